"""The idempotency-key purge: the workflow deletes expired rows only, and the worker's schedule exists."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import Engine, func, insert, select
from temporalio.client import Client

from bridge.db.schema import idempotency_keys
from bridge.jobs.repository import utc_now
from bridge.settings import Settings
from bridge.worker import ensure_purge_schedule, purge_schedule_id
from workflows.activity_contracts import PurgeInput, PurgeResult


def _keys(engine: Engine, client_id: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(
            select(idempotency_keys.c.request_id).where(idempotency_keys.c.client_id == client_id)).scalars())


async def test_purge_deletes_expired_keys_only(
    running_worker: None, wf_temporal_client: Client, worker_settings: Settings, worker_engine: Engine
) -> None:
    client_id = f"purge-{uuid.uuid4().hex[:6]}"
    now = utc_now()
    rows = [
        {"request_id": f"expired-{n}", "expires_at": now - timedelta(minutes=n + 1)} for n in range(5)
    ] + [{"request_id": "fresh", "expires_at": now + timedelta(hours=23)}]
    with worker_engine.begin() as conn:
        conn.execute(insert(idempotency_keys), [
            {"client_id": client_id, "fingerprint": "f" * 64, "job_id": None,
             "created_at": row["expires_at"] - timedelta(hours=24), **row} for row in rows])

    result = await wf_temporal_client.execute_workflow(
        "PurgeIdempotencyKeysWorkflow", PurgeInput(batch_size=2), id=f"purge-test-{uuid.uuid4()}",
        task_queue=worker_settings.temporal_task_queue, result_type=PurgeResult,
    )

    assert result.deleted >= 5  # other suites may have expired keys of their own
    assert _keys(worker_engine, client_id) == {"fresh"}
    with worker_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(idempotency_keys)
                            .where(idempotency_keys.c.expires_at < now)).scalar_one() == 0


async def test_worker_schedule_is_created_once_and_updated_in_place(
    wf_temporal_client: Client, worker_settings: Settings
) -> None:
    settings = worker_settings.replace(temporal_task_queue=f"schedule-{uuid.uuid4().hex[:8]}")
    try:
        first = await ensure_purge_schedule(wf_temporal_client, settings, every=timedelta(hours=1))
        second = await ensure_purge_schedule(wf_temporal_client, settings, every=timedelta(minutes=30))
        assert first == second == purge_schedule_id(settings)
        description = await wf_temporal_client.get_schedule_handle(first).describe()
        assert description.schedule.spec.intervals[0].every == timedelta(minutes=30)
        action = description.schedule.action
        assert action.workflow == "PurgeIdempotencyKeysWorkflow"  # type: ignore[attr-defined]
        assert action.task_queue == settings.temporal_task_queue  # type: ignore[attr-defined]
    finally:
        await wf_temporal_client.get_schedule_handle(purge_schedule_id(settings)).delete()
