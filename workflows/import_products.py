"""``ImportProductsWorkflow``: one workflow per batch, one activity per item, items independent of each other.

Each item is created (looked up by reference first, so a retry never creates a second product) or, with
``update_existing``, updated; without it an existing reference fails that item alone with ``already_exists``.
Every item's outcome is written to ``job_items`` as it happens (pending → running → succeeded/failed), so
``GET /v1/jobs/{id}`` shows progress while the batch runs. Terminal status: every item succeeded →
``succeeded``; some → ``partially_succeeded``; none → ``failed``.

Fan-out: activities, at most ``import_item_parallelism`` at once (a workflow-side semaphore), rather than one
child workflow per item. Measured on the Temporal dev server with the store simulator (50 items, 20 ms injected
store latency, parallelism 10, one worker, three alternating runs; the simulated store slows as it fills with
products, hence the growth from run to run):

    activities (whole job, incl. load/mark/reindex):  3.1 s   7.3 s  12.9 s
    child workflows (item fan-out only):                6.0 s  10.2 s  22.8 s

Activities win: a child workflow adds its own start, workflow tasks and history per item for no gain here — an
item is a handful of store calls that an activity already gives its own retry policy and timeout — and the
batch's history stays one readable list of item activities. (Per-item outcomes live in ``job_items`` either way.)

The growth from run to run above was the simulator, not the fan-out: its list GETs (``filter[reference]``, a
product's stock rows) JSON-decoded every stored product and, per product, every stock row. With indexed lookups
in the simulator, the bookkeeping steps (prepare items, record an item failure, load/mark/finish the job) as
local activities, one MySQL round trip to start an item and one to finish it, and a worker thread pool as large
as its MySQL pool (measured by ``bench.figures.imports``: 50-item batches, 20 ms injected store latency,
parallelism 10, 20 activity slots, 2 cores shared with the whole stack and the bench's own polling):

    one batch:                2.8 s  →  1.2–1.7 s
    10 batches at once:     188 s (3 items/s)   →  13–14 s (35–39 items/s)
    100 batches at once:    not measured before →  157 s (32 items/s), no item failed

At that point the machine's two cores are the limit: ~38 ms of CPU per item across Temporal (~10 ms), the worker
(~20 ms, over half of it in httpx), MariaDB and the simulator, plus the bench's polling of every job. Parallelism
20 (with 40 activity slots) cut one batch to 1.23 s without changing the many-batch rate.
"""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.activity_contracts import (
        DESCRIBE_REINDEX,
        ERR_ALL_ITEMS_FAILED,
        ERR_SOME_ITEMS_FAILED,
        IMPORT_ITEM,
        PREPARE_IMPORT_ITEMS,
        RECORD_ITEM_FAILURE,
        ImportItemInput,
        ImportItemResult,
        JobOutcome,
        JobWorkflowResult,
        LoadedJob,
        PrepareImportInput,
        PrepareImportResult,
        RecordItemFailureInput,
        RecordItemFailureResult,
        ReindexInput,
        ReindexResult,
        reindex_report,
    )
    from workflows.contracts import (
        STATUS_FAILED,
        STATUS_PARTIALLY_SUCCEEDED,
        STATUS_SUCCEEDED,
        JobWorkflowInput,
    )

from workflows.job_lifecycle import failure_of, projection_step, run_job, store_activity, uses_local_projection


@workflow.defn(name="ImportProductsWorkflow")
class ImportProductsWorkflow:
    @workflow.run
    async def run(self, job: JobWorkflowInput) -> JobWorkflowResult:
        return await run_job(job, self._effects)

    async def _effects(self, job: LoadedJob) -> JobOutcome:
        payload = job.payload
        items: list[dict[str, Any]] = payload["items"]
        options: dict[str, Any] = payload.get("options", {})
        update_existing = bool(options.get("update_existing", False))
        await projection_step(
            PREPARE_IMPORT_ITEMS,
            PrepareImportInput(job_id=job.job_id, references=[item["reference"] for item in items]),
            PrepareImportResult,
        )

        gate = asyncio.Semaphore(max(1, job.import_item_parallelism))

        async def import_one(index: int, item: dict[str, Any]) -> ImportItemResult | None:
            async with gate:
                try:
                    return await store_activity(
                        job,
                        IMPORT_ITEM,
                        ImportItemInput(job_id=job.job_id, item_index=index, item=item,
                                        update_existing=update_existing),
                        ImportItemResult,
                    )
                except ActivityError as err:
                    failure = failure_of(err)
                    await projection_step(
                        RECORD_ITEM_FAILURE,
                        RecordItemFailureInput(job_id=job.job_id, item_index=index, code=failure.code,
                                               message=failure.message),
                        RecordItemFailureResult,
                    )
                    return None

        outcomes = await asyncio.gather(*(import_one(i, item) for i, item in enumerate(items)))
        succeeded = [o for o in outcomes if o is not None]
        failed = len(items) - len(succeeded)
        written = any(o.product_written for o in succeeded)
        requested_skip = bool(options.get("skip_reindex", False))
        if written or not uses_local_projection():
            reindex = await store_activity(job, DESCRIBE_REINDEX, ReindexInput(requested_skip, written),
                                           ReindexResult)
        else:  # nothing was written: no store call needed to tell
            reindex = reindex_report(requested_skip, product_written=False, enabled=None)
        result: dict[str, Any] = {
            "batch_id": payload["batch_id"],
            "items": {"total": len(items), "succeeded": len(succeeded), "failed": failed},
            "created": sum(1 for o in succeeded if o.action == "created"),
            "updated": sum(1 for o in succeeded if o.action == "updated"),
            "reindex": {"requested_skip": reindex.requested_skip, "reindexed": reindex.reindexed,
                        "note": reindex.note},
        }
        if failed == 0:
            return JobOutcome(job_id=job.job_id, status=STATUS_SUCCEEDED, result=result)
        if succeeded:
            return JobOutcome(
                job_id=job.job_id, status=STATUS_PARTIALLY_SUCCEEDED, result=result,
                error_code=ERR_SOME_ITEMS_FAILED, error_retryable=False,
                error_message=f"{failed} of {len(items)} items failed; see items for each error",
            )
        return JobOutcome(
            job_id=job.job_id, status=STATUS_FAILED, result=result, error_code=ERR_ALL_ITEMS_FAILED,
            error_retryable=False, error_message=f"all {len(items)} items failed; see items for each error",
        )
