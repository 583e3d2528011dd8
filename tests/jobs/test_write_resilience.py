"""Fault injection: Temporal down at accept time, Redis losing its data, an API that died before starting a job.

Slow tests (they start and stop real servers); they still run in CI.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from redis.asyncio import Redis
from temporalio.client import Client

from bridge.clients import ClientRegistry, SecretCipher
from bridge.db.engine import create_db_engine, migrate
from bridge.devstack import PrivateRedis, TemporalDevServer, free_port
from bridge.devstack.databases import create_database, drop_database, with_database
from bridge.jobs.idempotency import IdempotencyStore
from bridge.jobs.repository import JobRepository, NewJob
from bridge.settings import Settings
from tests.support.api_server import ThreadedApiServer
from tests.support.pipeline_fixtures import job_row, new_client_factory, request_id, wait_until
from workflows.contracts import SA_CLIENT_ID, SA_JOB_KIND, workflow_id_for

pytestmark = pytest.mark.slow

UPDATE = "/v1/jobs/products/update"
IMPORT = "/v1/jobs/products/import"


@pytest.fixture
def private_database(mysql_server_url: str) -> Iterator[str]:
    """A database of this test's own, so no other API process's dispatcher sees its jobs."""
    url = with_database(mysql_server_url, f"bridge_h4_{uuid.uuid4().hex[:10]}")
    create_database(url)
    migrate(url)
    yield url
    drop_database(url)


async def test_a_job_accepted_while_temporal_is_down_starts_once_temporal_answers(
    pipeline_settings: Settings, private_database: str
) -> None:
    port = free_port()  # nothing listens here yet
    settings = pipeline_settings.replace(mysql_url=private_database, temporal_address=f"127.0.0.1:{port}")
    engine = create_db_engine(private_database, pool_size=2)
    repository = JobRepository(engine)
    registry = ClientRegistry(engine, SecretCipher(settings.secrets_encryption_key))
    api = ThreadedApiServer(settings).start()
    try:
        async for make in new_client_factory(registry, api.base_url):
            client, created = await make()
            accepted = await client.post(UPDATE, json={"product_id": 19, "updates": {"price_ht": "13.9"}})
            assert accepted.status_code == 202, accepted.text  # the job is durable: Temporal is not needed
            job_id = accepted.json()["job_id"]
            assert (await client.get(f"/v1/jobs/{job_id}")).json()["status"] == "accepted"
            await asyncio.sleep(3 * settings.dispatcher_interval_seconds + 2)  # several dispatcher passes
            assert (await job_row(repository, job_id)).workflow_started_at is None

            with TemporalDevServer(port=port) as temporal:
                async def started() -> bool:
                    return (await job_row(repository, job_id)).workflow_started_at is not None

                await wait_until(started, timeout=60, what="the dispatcher to start the job")
                described = await (await Client.connect(temporal.address)).get_workflow_handle(
                    workflow_id_for(job_id)).describe()
                assert described.typed_search_attributes.get(SA_JOB_KIND) == "update_product"
                assert described.typed_search_attributes.get(SA_CLIENT_ID) == created.client_id
    finally:
        api.stop()
        engine.dispose()


async def test_the_dispatcher_starts_a_job_whose_api_died_before_starting_it(
    pipeline_api: ThreadedApiServer, job_repository: JobRepository, pipeline_registry: ClientRegistry,
    temporal_client: Client,
) -> None:
    # What an API process leaves behind when it dies between the insert and the workflow start.
    client_id = pipeline_registry.create(name="orphan owner").client_id
    orphan = await asyncio.to_thread(job_repository.insert, NewJob(
        client_id=client_id, kind="update_product", request_id=str(uuid.uuid4()), fingerprint="f",
        payload={"product_id": 19, "updates": {"price_ht": "13.9"}, "options": {"skip_reindex": False}}))

    async def started() -> bool:
        return (await job_row(job_repository, orphan.job_id)).workflow_started_at is not None

    await wait_until(started, timeout=30, what="the dispatcher to start the orphaned job")
    await temporal_client.get_workflow_handle(workflow_id_for(orphan.job_id)).describe()


async def test_replays_are_answered_from_mysql_after_redis_lost_its_data(
    pipeline_settings: Settings, pipeline_registry: ClientRegistry, job_repository: JobRepository,
) -> None:
    with PrivateRedis() as redis_server:
        settings = pipeline_settings.replace(redis_url=redis_server.url)
        api = ThreadedApiServer(settings).start()
        redis = Redis.from_url(redis_server.url)
        try:
            async for make in new_client_factory(pipeline_registry, api.base_url):
                client, created = await make()
                cid = created.client_id
                update = {"product_id": 19, "updates": {"price_ht": "13.9"}}
                batch_id = f"batch-{uuid.uuid4().hex[:10]}"
                items = {"batch_id": batch_id, "items": [{"reference": "RL-1", "name": "x", "price_ht": "1"}]}
                rid_ok, rid_failed, rid_running, rid_batch = (request_id() for _ in range(4))

                ok = (await client.post(UPDATE, json=update, request_id=rid_ok)).json()["job_id"]
                failed = (await client.post(UPDATE, json=update, request_id=rid_failed)).json()["job_id"]
                running = (await client.post(UPDATE, json=update, request_id=rid_running)).json()["job_id"]
                batch_job = (await client.post(IMPORT, json=items, request_id=rid_batch)).json()["job_id"]
                await asyncio.to_thread(job_repository.mark_finished, ok, status="succeeded")
                await asyncio.to_thread(job_repository.mark_finished, failed, status="failed", error_code="x",
                                        error_message="boom", error_retryable=False)
                await asyncio.to_thread(job_repository.mark_running, running, attempt=1)
                assert await redis.exists(IdempotencyStore.redis_key(cid, rid_ok)) == 1

                redis_server.restart()  # no persistence: every key is gone
                await redis.connection_pool.disconnect()  # the test's own connections died with the server
                assert await redis.dbsize() == 0

                async def replay_ok() -> object:
                    answer = await client.post(UPDATE, json=update, request_id=rid_ok)
                    return answer if answer.status_code != 503 else None  # the gate may see Redis come back

                answer = await wait_until(replay_ok, timeout=20, what="the API to use the restarted Redis")
                assert answer.status_code == 200 and answer.json()["job_id"] == ok

                failed_replay = await client.post(UPDATE, json=update, request_id=rid_failed)
                assert failed_replay.status_code == 409 and failed_replay.json()["code"] == "job_failed_replay"
                assert failed_replay.json()["job"]["job_id"] == failed

                running_replay = await client.post(UPDATE, json=update, request_id=rid_running)
                assert running_replay.status_code == 202 and running_replay.json()["job_id"] == running

                reused = await client.post(UPDATE, json={"product_id": 19, "updates": {"price_ht": "99"}},
                                           request_id=rid_ok)
                assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"

                batch_replay = await client.post(IMPORT, json=items, request_id=rid_batch)
                assert batch_replay.status_code == 202 and batch_replay.json()["job_id"] == batch_job
                same_batch_new_id = await client.post(IMPORT, json=items)
                assert same_batch_new_id.status_code == 202 and same_batch_new_id.json()["job_id"] == batch_job
                conflict = await client.post(IMPORT, json={**items, "items": [
                    {"reference": "RL-2", "name": "y", "price_ht": "2"}]})
                assert conflict.status_code == 409 and conflict.json()["code"] == "batch_id_conflict"

                # the answers from MySQL re-filled the fast copy
                assert await redis.exists(IdempotencyStore.redis_key(cid, rid_ok)) == 1
        finally:
            await redis.aclose()
            api.stop()


async def test_an_interval_of_zero_runs_no_dispatcher_loop(pipeline_settings: Settings, private_database: str) -> None:
    from bridge.jobs.dispatcher import JobDispatcher, dispatcher_running
    from bridge.temporal import TemporalConnector

    engine = create_db_engine(private_database, pool_size=1)
    repository = JobRepository(engine)
    registry = ClientRegistry(engine, SecretCipher(pipeline_settings.secrets_encryption_key))
    client_id = registry.create(name="no loop").client_id
    orphan = await asyncio.to_thread(repository.insert, NewJob(
        client_id=client_id, kind="update_product", request_id=str(uuid.uuid4()), fingerprint="f", payload={}))
    dispatcher = JobDispatcher(TemporalConnector(pipeline_settings.temporal_address), repository,
                               task_queue=pipeline_settings.temporal_task_queue, interval_seconds=0,
                               grace=timedelta(0))
    try:
        async with dispatcher_running(dispatcher):
            await asyncio.sleep(1.0)
        assert (await job_row(repository, orphan.job_id)).workflow_started_at is None
    finally:
        engine.dispose()
