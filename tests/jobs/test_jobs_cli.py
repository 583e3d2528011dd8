"""``bridge jobs failed`` and ``bridge jobs retry``: list failures, re-drive one as a new linked job."""

from __future__ import annotations

import asyncio
import json
import uuid

from click.testing import CliRunner, Result
from temporalio.client import Client

from bridge.cli.jobs import jobs
from bridge.clients import ClientRegistry
from bridge.jobs.repository import JobRecord, JobRepository, NewJob
from bridge.settings import Settings
from workflows.contracts import workflow_id_for


def run(args: list[str], settings: Settings) -> Result:
    return CliRunner().invoke(jobs, args, obj=settings, catch_exceptions=False)


def failed_job(repository: JobRepository, client_id: str, *, batch_id: str | None = None) -> JobRecord:
    kind = "import_products" if batch_id else "update_product"
    payload = ({"batch_id": batch_id, "items": [{"reference": "X", "name": "x", "price_ht": "1"}],
                "options": {"update_existing": False, "skip_reindex": False}} if batch_id else
               {"product_id": 19, "updates": {"price_ht": "13.9"}, "options": {"skip_reindex": False}})
    job = repository.insert(NewJob(client_id=client_id, kind=kind, request_id=str(uuid.uuid4()),
                                   payload=payload, fingerprint="f", batch_id=batch_id))
    repository.mark_workflow_started(job.job_id)
    return repository.mark_finished(job.job_id, status="failed", error_code="store_validation",
                                    error_message="PrestaShop said no", error_retryable=False, attempts=3)


def test_failed_lists_and_retry_redrives(pipeline_settings: Settings, job_repository: JobRepository,
                                         pipeline_registry: ClientRegistry, temporal_address: str) -> None:
    client_id = pipeline_registry.create(name="cli jobs").client_id
    old = failed_job(job_repository, client_id, batch_id=f"cli-{uuid.uuid4().hex[:8]}")

    listed = run(["failed", "--limit", "500"], pipeline_settings)
    assert listed.exit_code == 0
    line = next(line for line in listed.output.splitlines() if line.startswith(old.job_id))
    assert "import_products" in line and "attempts=3" in line and "store_validation: PrestaShop said no" in line

    as_json = [json.loads(line) for line in run(["failed", "--json", "--limit", "500"],
                                               pipeline_settings).output.splitlines()]
    mine = next(row for row in as_json if row["job_id"] == old.job_id)
    assert mine["payload"] == old.payload and mine["redriven_as_job_id"] is None

    retried = run(["retry", old.job_id], pipeline_settings)
    assert retried.exit_code == 0, retried.output
    assert "workflow job-" in retried.output and "started" in retried.output
    new_id = retried.output.split("re-driven as job ")[1].split()[0]
    new = job_repository.get(new_id)
    assert new is not None
    assert (new.redrive_of_job_id, new.payload, new.kind, new.client_id, new.status) == (
        old.job_id, old.payload, old.kind, client_id, "accepted")
    assert new.workflow_started_at is not None
    assert job_repository.get(old.job_id).status == "failed"  # the old job's history is untouched

    async def describe() -> None:
        client = await Client.connect(temporal_address)
        await client.get_workflow_handle(workflow_id_for(new_id)).describe()

    asyncio.run(describe())

    # the failure is now linked and leaves the default list; a second re-drive is refused
    assert old.job_id not in run(["failed", "--limit", "500"], pipeline_settings).output
    assert f"redriven_as={new_id}" in run(["failed", "--all", "--limit", "500"], pipeline_settings).output
    again = CliRunner().invoke(jobs, ["retry", old.job_id], obj=pipeline_settings)
    assert again.exit_code != 0 and "already re-driven" in again.output


def test_retry_of_a_job_that_did_not_fail_is_refused(pipeline_settings: Settings) -> None:
    refused = CliRunner().invoke(jobs, ["retry", str(uuid.uuid4())], obj=pipeline_settings)
    assert refused.exit_code != 0 and "no failed-jobs record" in refused.output


def test_retry_while_temporal_is_down_leaves_the_job_to_the_dispatcher(
    pipeline_settings: Settings, job_repository: JobRepository, pipeline_registry: ClientRegistry
) -> None:
    from bridge.devstack import free_port

    client_id = pipeline_registry.create(name="cli jobs offline").client_id
    old = failed_job(job_repository, client_id)
    offline = pipeline_settings.replace(temporal_address=f"127.0.0.1:{free_port()}")
    retried = run(["retry", old.job_id], offline)
    assert retried.exit_code == 0 and "dispatcher will start it" in retried.output
