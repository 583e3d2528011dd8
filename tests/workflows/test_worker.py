"""``run_worker`` refuses a database that is not migrated, before it registers anything."""

from __future__ import annotations

import uuid

import pytest

from bridge.db.engine import DatabaseNotMigrated
from bridge.devstack.databases import create_database, drop_database, with_database
from bridge.settings import Settings
from bridge.worker import run_worker


async def test_worker_refuses_an_unmigrated_database(worker_settings: Settings) -> None:
    empty = with_database(worker_settings.mysql_url, f"bridge_empty_{uuid.uuid4().hex[:8]}")
    create_database(empty)
    try:
        with pytest.raises(DatabaseNotMigrated, match="bridge migrate"):
            await run_worker(worker_settings.replace(mysql_url=empty))
    finally:
        drop_database(empty)
