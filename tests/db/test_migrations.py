"""The Alembic migrations create exactly the tables in bridge/db/schema.py, and the guard refuses a stale DB."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from bridge.db.engine import DatabaseNotMigrated, create_checked_engine, head_revision
from bridge.db.schema import metadata


def test_migrated_database_matches_the_schema_module(mysql_url: str) -> None:
    engine = create_engine(mysql_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert context.get_current_revision() == head_revision()
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_an_unmigrated_database_is_refused_with_what_to_do(mysql_url: str) -> None:
    url = make_url(mysql_url)
    empty = f"bridge_empty_{uuid.uuid4().hex[:8]}"
    server = create_engine(url.set(database=None))
    with server.begin() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{empty}`")
    try:
        with pytest.raises(DatabaseNotMigrated, match="bridge migrate"):
            create_checked_engine(url.set(database=empty).render_as_string(hide_password=False))
    finally:
        with server.begin() as conn:
            conn.exec_driver_sql(f"DROP DATABASE `{empty}`")
        server.dispose()
