"""``UpdateProductWorkflow``: price (HT), SEO and a stock delta on one product, each effect applied once.

Steps: check (the product still exists; the delta would not take sellable stock below zero unless the product
allows back-orders — the API checked both at accept time, the store may have changed since) → one product PATCH
for price and SEO → the stock delta → what happened to the search index. Stock goes last so that a refused
price or SEO write (a PrestaShop validation error) leaves the stock untouched.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.activity_contracts import (
        APPLY_PRODUCT_FIELDS,
        APPLY_STOCK_DELTA,
        CHECK_PRODUCT_UPDATE,
        DESCRIBE_REINDEX,
        JobOutcome,
        JobWorkflowResult,
        LoadedJob,
        ProductCheckResult,
        ProductFieldsResult,
        ProductUpdateInput,
        ReindexInput,
        ReindexResult,
        StockDeltaResult,
    )
    from workflows.contracts import STATUS_SUCCEEDED, JobWorkflowInput

from workflows.job_lifecycle import run_job, store_activity


@workflow.defn(name="UpdateProductWorkflow")
class UpdateProductWorkflow:
    @workflow.run
    async def run(self, job: JobWorkflowInput) -> JobWorkflowResult:
        return await run_job(job, self._effects)

    async def _effects(self, job: LoadedJob) -> JobOutcome:
        payload = job.payload
        updates: dict[str, Any] = payload["updates"]
        update_input = ProductUpdateInput(job_id=job.job_id, payload=payload)
        await store_activity(job, CHECK_PRODUCT_UPDATE, update_input, ProductCheckResult)

        result: dict[str, Any] = {"product_id": payload["product_id"]}
        product_written = False
        if "price_ht" in updates or "seo" in updates:
            fields = await store_activity(job, APPLY_PRODUCT_FIELDS, update_input, ProductFieldsResult)
            product_written = fields.product_written
            if fields.price is not None:
                result["price"] = fields.price
            if fields.seo is not None:
                result["seo"] = fields.seo
        if "stock_delta" in updates:
            stock = await store_activity(job, APPLY_STOCK_DELTA, update_input, StockDeltaResult)
            result["stock"] = {"before": stock.before, "after": stock.after, "delta": stock.delta,
                               "race_window_note": stock.race_window_note}
        requested_skip = bool(payload.get("options", {}).get("skip_reindex", False))
        reindex = await store_activity(
            job, DESCRIBE_REINDEX, ReindexInput(requested_skip, product_written), ReindexResult
        )
        result["reindex"] = {"requested_skip": reindex.requested_skip, "reindexed": reindex.reindexed,
                             "note": reindex.note}
        return JobOutcome(job_id=job.job_id, status=STATUS_SUCCEEDED, result=result)
