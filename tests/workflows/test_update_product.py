"""UpdateProductWorkflow end to end: real worker, MySQL, Temporal dev server and the store simulator."""

from __future__ import annotations

import uuid

from bridge.store_simulator import SimulatorAdmin
from tests.workflows.worker_fixtures import Jobs
from workflows.activity_contracts import JobWorkflowResult
from workflows.contracts import SA_CLIENT_ID, SA_JOB_KIND, SA_JOB_STATUS, JobWorkflowInput, workflow_id_for


def _stock(sim: SimulatorAdmin, product_id: int) -> int:
    return int(sim.get_object("stock_availables", product_id)["quantity"])


async def test_price_seo_and_stock_are_applied_and_reported(jobs: Jobs, sim: SimulatorAdmin) -> None:
    payload = {
        "product_id": 19,
        "updates": {"price_ht": "15.5", "stock_delta": -3,
                    "seo": {"meta_title": "Mug à personnaliser", "meta_description": {"fr": "Un mug"}}},
        "options": {"skip_reindex": True},
    }
    result, record = await jobs.run("update_product", payload)

    assert result.status == record.status == "succeeded", record.error_message
    product = sim.get_object("products", 19)
    assert product["price"] == "15.500000"
    assert product["meta_title"]["1"] == "Mug à personnaliser"
    assert product["meta_description"]["2"] == "Un mug"
    assert _stock(sim, 19) == 297

    job_result = record.result
    assert job_result is not None
    assert job_result["price"] == {"old": "13.9", "new": "15.5"}
    assert job_result["seo"] == {"meta_title": {"en": "Mug à personnaliser"}, "meta_description": {"fr": "Un mug"}}
    assert job_result["stock"]["before"] == 300 and job_result["stock"]["after"] == 297
    assert "atomic" in job_result["stock"]["race_window_note"]
    # The simulator re-indexes on product writes (PS_SEARCH_INDEXATION on): the result must not claim a skip.
    assert job_result["reindex"]["requested_skip"] is True
    assert job_result["reindex"]["reindexed"] is True
    assert sim.inspect()["reindexes"] == {"19": 1}
    assert record.started_at is not None and record.finished_at is not None and record.attempts == 1


async def test_stock_only_update_does_not_claim_a_reindex(jobs: Jobs, sim: SimulatorAdmin) -> None:
    result, record = await jobs.run("update_product", {"product_id": 19, "updates": {"stock_delta": 5}})
    assert record.status == "succeeded", record.error_message
    assert _stock(sim, 19) == 305
    assert record.result is not None and record.result["reindex"]["reindexed"] is False
    assert sim.inspect()["reindexes"] == {}


async def test_product_deleted_behind_the_bridge_fails_with_product_not_found(jobs: Jobs, sim: SimulatorAdmin) -> None:
    # Accepted by the API while the product existed; deleted in the back office before the workflow ran.
    job = jobs.insert("update_product", {"product_id": 7, "updates": {"price_ht": "9"}})
    sim.delete_product(7)
    handle = await jobs.start(job)
    result = await handle.result()
    record = jobs.repo.get(job.job_id)
    assert record is not None
    assert result.status == record.status == "failed"
    assert record.error_code == "product_not_found"
    assert "7" in (record.error_message or "")
    assert record.error_retryable is False


async def test_negative_stock_fails_with_insufficient_stock_and_changes_nothing(jobs: Jobs, sim: SimulatorAdmin) -> None:
    sim.set_stock(19, 2, out_of_stock=0)
    _, record = await jobs.run("update_product", {"product_id": 19, "updates": {"price_ht": "20", "stock_delta": -5}})
    assert record.status == "failed"
    assert record.error_code == "insufficient_stock"
    assert _stock(sim, 19) == 2
    assert sim.get_object("products", 19)["price"] == "13.900000"  # refused before any effect


async def test_backorders_allow_stock_below_zero(jobs: Jobs, sim: SimulatorAdmin) -> None:
    sim.set_stock(19, 2, out_of_stock=1)
    _, record = await jobs.run("update_product", {"product_id": 19, "updates": {"stock_delta": -5}})
    assert record.status == "succeeded", record.error_message
    assert _stock(sim, 19) == -3


async def test_store_validation_error_fails_with_prestashops_message(jobs: Jobs, sim: SimulatorAdmin) -> None:
    _, record = await jobs.run("update_product",
                               {"product_id": 19, "updates": {"seo": {"meta_title": {"de": "Becher"}}}})
    assert record.status == "failed"
    assert record.error_code == "unknown_language"
    assert "de" in (record.error_message or "")


async def test_search_attributes_follow_the_projection(jobs: Jobs, sim: SimulatorAdmin) -> None:
    _, record = await jobs.run("update_product", {"product_id": 19, "updates": {"price_ht": "14"}})
    description = await jobs.client.get_workflow_handle(workflow_id_for(record.job_id)).describe()
    attributes = description.typed_search_attributes
    assert attributes.get(SA_JOB_STATUS) == "succeeded"
    assert attributes.get(SA_JOB_KIND) == "update_product"
    assert attributes.get(SA_CLIENT_ID) == record.client_id


async def test_a_finished_job_is_not_applied_again_by_a_second_run(jobs: Jobs, sim: SimulatorAdmin) -> None:
    """Re-running a job's workflow (e.g. after its first run was terminated) never repeats its effects."""
    _, record = await jobs.run("update_product", {"product_id": 19, "updates": {"stock_delta": 1}})
    again = await jobs.client.execute_workflow(
        "UpdateProductWorkflow", JobWorkflowInput(job_id=record.job_id, kind=record.kind, client_id=record.client_id),
        id=f"rerun-{uuid.uuid4()}", task_queue=jobs.settings.temporal_task_queue, result_type=JobWorkflowResult,
    )
    assert again.status == "succeeded"
    assert sim.inspect()["stock_writes"] == {"19": 1}
    assert int(sim.get_object("stock_availables", 19)["quantity"]) == 301
