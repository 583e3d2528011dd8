"""MySQL down when a job's workflow starts: the projection activities wait for it, then the job runs normally.

The worker keeps its engine (``pool_pre_ping``) across the outage; nothing is restarted but MySQL itself.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import insert
from temporalio.client import Client

from bridge.db.engine import create_db_engine, migrate
from bridge.db.schema import clients
from bridge.devstack import PrivateMariaDB
from bridge.devstack.databases import create_database
from bridge.jobs.repository import JobRepository, utc_now
from bridge.settings import Settings
from bridge.store_simulator import SimulatorAdmin
from bridge.worker import build_worker, open_worker_resources
from tests.workflows.worker_fixtures import TEST_STORE_RETRY, Jobs


@pytest.mark.slow
async def test_job_started_during_a_mysql_outage_finishes_once_mysql_is_back(
    private_mariadb: PrivateMariaDB, worker_settings: Settings, wf_temporal_client: Client, sim: SimulatorAdmin
) -> None:
    url = private_mariadb.url("bridge_outage")
    await asyncio.to_thread(create_database, url)
    await asyncio.to_thread(migrate, url)
    engine = create_db_engine(url, pool_size=2)
    now = utc_now()
    with engine.begin() as conn:
        conn.execute(insert(clients).values(client_id="outage", name="outage", secret_hash="x", hmac_secret_enc="x",
                                            scopes="bridge:write", active=True, created_at=now, updated_at=now))
    repo = JobRepository(engine)
    settings = worker_settings.replace(mysql_url=url, temporal_task_queue=f"outage-{uuid.uuid4().hex[:8]}")
    jobs = Jobs(repo, wf_temporal_client, settings, "outage")
    job = jobs.insert("update_product", {"product_id": 19, "updates": {"stock_delta": 7}})
    try:
        async with open_worker_resources(settings, store_retry=TEST_STORE_RETRY) as resources:
            async with build_worker(wf_temporal_client, settings, resources):
                await asyncio.to_thread(private_mariadb.stop)
                handle = await jobs.start(job)
                await asyncio.sleep(3)  # load_job fails and backs off meanwhile
                await asyncio.to_thread(private_mariadb.restart)
                result = await asyncio.wait_for(handle.result(), timeout=90)
        record = repo.get(job.job_id)
    finally:
        engine.dispose()

    assert result.status == "succeeded"
    assert record is not None and record.status == "succeeded"
    assert int(sim.get_object("stock_availables", 19)["quantity"]) == 307
    assert sim.inspect()["stock_writes"] == {"19": 1}
