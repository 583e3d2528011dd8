"""The dispatcher against the real Temporal dev server: replicas racing, closed workflows, search attributes."""

from __future__ import annotations

import asyncio
import uuid

from temporalio.client import Client, WorkflowExecutionStatus

from bridge.clients import ClientRegistry
from bridge.jobs.dispatcher import JobDispatcher, search_attributes_for
from bridge.jobs.repository import JobRecord, JobRepository, NewJob
from bridge.settings import Settings
from bridge.temporal import TemporalConnector
from workflows.contracts import SA_BATCH_ID, SA_JOB_STATUS, workflow_id_for


def dispatcher(settings: Settings, repository: JobRepository) -> JobDispatcher:
    return JobDispatcher(TemporalConnector(settings.temporal_address), repository,
                         task_queue=settings.temporal_task_queue)


async def new_job(repository: JobRepository, registry: ClientRegistry, *, batch_id: str | None = None) -> JobRecord:
    client_id = registry.create(name="dispatcher test").client_id
    kind = "import_products" if batch_id else "update_product"
    return await asyncio.to_thread(repository.insert, NewJob(
        client_id=client_id, kind=kind, request_id=str(uuid.uuid4()), fingerprint="f", batch_id=batch_id,
        payload={"batch_id": batch_id} if batch_id else {}))


async def test_replicas_starting_the_same_job_make_one_workflow(
    pipeline_settings: Settings, job_repository: JobRepository, pipeline_registry: ClientRegistry,
    temporal_client: Client,
) -> None:
    job = await new_job(job_repository, pipeline_registry)
    replicas = [dispatcher(pipeline_settings, job_repository) for _ in range(4)]
    await asyncio.gather(*(replica.start(job) for replica in replicas))  # none of them fails
    listed = [w async for w in temporal_client.list_workflows(f"WorkflowId = '{workflow_id_for(job.job_id)}'")]
    assert len(listed) == 1
    assert (await asyncio.to_thread(job_repository.get, job.job_id)).workflow_started_at is not None


async def test_a_closed_workflow_is_never_started_again(
    pipeline_settings: Settings, job_repository: JobRepository, pipeline_registry: ClientRegistry,
    temporal_client: Client,
) -> None:
    job = await new_job(job_repository, pipeline_registry)
    replica = dispatcher(pipeline_settings, job_repository)
    await replica.start(job)
    handle = temporal_client.get_workflow_handle(workflow_id_for(job.job_id))
    first_run = (await handle.describe()).run_id
    await handle.terminate(reason="test: the workflow closed")
    await replica.start(job)  # REJECT_DUPLICATE: "already started" counts as done, nothing new runs
    described = await handle.describe()
    assert described.run_id == first_run and described.status == WorkflowExecutionStatus.TERMINATED


def test_imports_carry_their_batch_id() -> None:
    from datetime import datetime


    now = datetime(2026, 1, 1)
    base = dict(job_id="j", client_id="c", kind="import_products", status="accepted", request_id="r",
                fingerprint="f", workflow_id="job-j", workflow_started_at=None, attempts=0, result=None,
                error_code=None, error_message=None, error_retryable=None, redrive_of_job_id=None,
                created_at=now, updated_at=now, started_at=None, finished_at=None)
    direct = search_attributes_for(JobRecord(**base, batch_id="b-1", payload={"batch_id": "b-1"}))
    redriven = search_attributes_for(JobRecord(**base, batch_id=None, payload={"batch_id": "b-1"}))
    assert direct.get(SA_BATCH_ID) == redriven.get(SA_BATCH_ID) == "b-1"
    assert direct.get(SA_JOB_STATUS) == "accepted"
    assert search_attributes_for(JobRecord(**{**base, "kind": "update_product"}, batch_id=None,
                                           payload={})).get(SA_BATCH_ID) is None
