"""How many round trips a job costs: projection steps run as local activities, store effects as activities.

The history of a finished workflow is the record: local activities appear as markers (no activity task through
the server), store effects as scheduled activities. Also: the projection step that local activities may re-run
(a retried workflow task) leaves the job row as one run did, and the current code replays its own histories.
"""

from __future__ import annotations

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment
from temporalio.worker import Replayer

from activities.jobs import JobActivities
from bridge.jobs.repository import JobRepository
from bridge.settings import Settings
from bridge.store_simulator import SimulatorAdmin
from bridge.worker import WORKFLOWS, open_worker_resources
from tests.workflows.worker_fixtures import Jobs
from workflows.activity_contracts import StartJobInput
from workflows.contracts import workflow_id_for


async def _history(client: Client, job_id: str) -> WorkflowHistory:
    return await client.get_workflow_handle(workflow_id_for(job_id)).fetch_history()


def _scheduled(history: WorkflowHistory) -> list[str]:
    return [e.activity_task_scheduled_event_attributes.activity_type.name for e in history.events
            if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]


def _count(history: WorkflowHistory, event_type: int) -> int:
    return sum(1 for e in history.events if e.event_type == event_type)


async def test_price_update_is_one_activity_task_and_two_workflow_tasks(
    jobs: Jobs, sim: SimulatorAdmin, wf_temporal_client: Client
) -> None:
    result, record = await jobs.run("update_product", {"product_id": 19, "updates": {"price_ht": "11"}})
    assert record.status == "succeeded", record.error_message
    history = await _history(wf_temporal_client, record.job_id)
    assert _scheduled(history) == ["check_and_apply_product_fields"]
    assert _count(history, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) == 2
    # start_job and mark_job_finished ran locally (plus the patch marker)
    assert _count(history, EventType.EVENT_TYPE_MARKER_RECORDED) == 3
    assert record.result is not None and record.result["reindex"]["reindexed"] is True
    # The current code replays its own history (determinism).
    await Replayer(workflows=WORKFLOWS).replay_workflow(history)


async def test_stock_only_update_asks_the_store_nothing_about_indexation(
    jobs: Jobs, sim: SimulatorAdmin, wf_temporal_client: Client
) -> None:
    sim.clear_inspection()
    _, record = await jobs.run("update_product", {"product_id": 19, "updates": {"stock_delta": 2}})
    assert record.status == "succeeded", record.error_message
    assert _scheduled(await _history(wf_temporal_client, record.job_id)) == ["apply_stock_delta"]
    assert not [r for r in sim.inspect()["requests"] if "PS_SEARCH_INDEXATION" in r["query"]]
    assert record.result is not None and record.result["reindex"]["reindexed"] is False


async def test_import_items_bookkeeping_runs_locally(
    jobs: Jobs, sim: SimulatorAdmin, wf_temporal_client: Client
) -> None:
    items = [{"reference": "RT-1", "name": "Round trip", "price_ht": "2"},
             {"reference": "demo_19", "name": "Exists", "price_ht": "2"}]  # already exists: fails alone
    _, record = await jobs.run("import_products", {"batch_id": "rt-batch", "items": items}, batch_id="rt-batch")
    assert record.status == "partially_succeeded", record.error_message
    scheduled = _scheduled(await _history(wf_temporal_client, record.job_id))
    assert sorted(scheduled) == ["describe_reindex", "import_item", "import_item"]


async def test_start_job_rerun_leaves_the_row_as_one_run_did(
    jobs: Jobs, jobs_repo: JobRepository, worker_settings: Settings
) -> None:
    job = jobs.insert("update_product", {"product_id": 19, "updates": {"price_ht": "3"}})
    async with open_worker_resources(worker_settings) as resources:
        start = JobActivities(resources).start_job
        first = await ActivityEnvironment().run(start, StartJobInput(job.job_id, attempt=1))
        after_first = jobs_repo.get(job.job_id)
        second = await ActivityEnvironment().run(start, StartJobInput(job.job_id, attempt=1))
        after_second = jobs_repo.get(job.job_id)
        assert first.status == second.status == "running" and first.payload == job.payload
        assert after_first is not None and after_second is not None
        assert after_second.started_at == after_first.started_at and after_second.attempts == 1

        jobs_repo.mark_finished(job.job_id, status="succeeded", result={})
        again = await ActivityEnvironment().run(start, StartJobInput(job.job_id, attempt=1))
        assert again.status == "succeeded"  # the workflow applies nothing for a finished job
        assert jobs_repo.get(job.job_id).status == "succeeded"  # type: ignore[union-attr]

        with pytest.raises(ApplicationError) as missing:
            await ActivityEnvironment().run(start, StartJobInput("no-such-job", attempt=1))
        assert missing.value.type == "job_not_found" and missing.value.non_retryable
