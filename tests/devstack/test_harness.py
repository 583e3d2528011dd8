"""The harness talks to real services, not fakes: data written through one connection is read through another,
and a workflow really runs on the Temporal dev server with the bridge's search attributes."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import redis.asyncio as aioredis
from sqlalchemy import create_engine, text
from temporalio import activity, workflow
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from bridge.db.engine import create_checked_engine, head_revision
from bridge.settings import Settings
from workflows.contracts import SA_JOB_KIND, SEARCH_ATTRIBUTE_NAMES


def test_mysql_write_on_one_connection_is_read_on_another(mysql_url: str) -> None:
    table = f"harness_probe_{uuid.uuid4().hex[:8]}"
    writer, reader = create_engine(mysql_url), create_engine(mysql_url)
    try:
        with writer.begin() as conn:
            conn.execute(text(f"CREATE TABLE {table} (id INT PRIMARY KEY, note VARCHAR(40))"))
            conn.execute(text(f"INSERT INTO {table} VALUES (1, 'written by the writer')"))
            writer_connection_id = conn.execute(text("SELECT CONNECTION_ID()")).scalar_one()
        with reader.connect() as conn:
            assert conn.execute(text("SELECT CONNECTION_ID()")).scalar_one() != writer_connection_id
            assert conn.execute(text(f"SELECT note FROM {table} WHERE id = 1")).scalar_one() == "written by the writer"
            assert conn.execute(text("SELECT VERSION()")).scalar_one()  # a real server answers
        with writer.begin() as conn:
            conn.execute(text(f"DROP TABLE {table}"))
    finally:
        writer.dispose()
        reader.dispose()


def test_session_database_is_migrated_to_head(mysql_url: str) -> None:
    engine = create_checked_engine(mysql_url)  # raises DatabaseNotMigrated otherwise
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
    finally:
        engine.dispose()


async def test_redis_write_on_one_client_is_read_on_another(redis_url: str) -> None:
    key = f"harness:{uuid.uuid4().hex}"
    writer, reader = aioredis.from_url(redis_url), aioredis.from_url(redis_url)
    try:
        await writer.set(key, b"seen", ex=60)
        assert await reader.get(key) == b"seen"
        assert (await reader.info("server"))["redis_version"]
    finally:
        await writer.delete(key)
        await writer.aclose()
        await reader.aclose()


@activity.defn
async def greet(name: str) -> str:
    return f"hello {name}"


@workflow.defn(sandboxed=False)
class HarnessProbeWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=30))


async def test_temporal_runs_a_workflow_with_bridge_search_attributes(temporal_address: str, session_id: str) -> None:
    client = await Client.connect(temporal_address)
    listed = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace="default"))
    assert set(SEARCH_ATTRIBUTE_NAMES) <= set(listed.custom_attributes)

    task_queue = f"harness-{session_id}-{uuid.uuid4().hex[:6]}"
    async with Worker(client, task_queue=task_queue, workflows=[HarnessProbeWorkflow], activities=[greet],
                      workflow_runner=UnsandboxedWorkflowRunner()):
        handle = await client.start_workflow(
            HarnessProbeWorkflow.run, "bridge", id=f"harness-{uuid.uuid4().hex}", task_queue=task_queue,
            search_attributes=TypedSearchAttributes([SearchAttributePair(SA_JOB_KIND, "update_product")]),
        )
        assert await handle.result() == "hello bridge"
    description = await handle.describe()
    assert description.typed_search_attributes.get(SA_JOB_KIND) == "update_product"


def test_bridge_settings_point_at_the_session_services(
    bridge_settings: Settings, mysql_url: str, redis_url: str, temporal_address: str
) -> None:
    assert bridge_settings.mysql_url == mysql_url
    assert bridge_settings.redis_url == redis_url
    assert bridge_settings.temporal_address == temporal_address
    assert bridge_settings.prestashop_url.startswith("http://")
    assert list(Path(bridge_settings.signing_keys_dir).glob("*.pem"))
