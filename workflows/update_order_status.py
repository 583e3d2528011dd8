"""``UpdateOrderStatusWorkflow``: move an order to a new state once, then store its tracking number.

The transition is checked again inside the activity against the order's fresh state (the API's 422 check ran at
accept time; the order may have moved since). The status is posted at most once: a retry that finds the order
already in the target state after this job planned the post records success instead of posting again (a repeated
post would repeat e-mails, invoices and stock re-injection).

The tracking number is written after the status. If it then fails (e.g. the order has no carrier record), the job
ends ``failed`` with that error while the status change stands; ``job_effects`` shows which effects were applied.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.activity_contracts import (
        APPLY_ORDER_STATUS,
        APPLY_TRACKING_NUMBER,
        JobOutcome,
        JobWorkflowResult,
        LoadedJob,
        OrderStatusInput,
        OrderStatusResult,
        TrackingInput,
        TrackingResult,
    )
    from workflows.contracts import STATUS_SUCCEEDED, JobWorkflowInput

from workflows.job_lifecycle import run_job, store_activity


@workflow.defn(name="UpdateOrderStatusWorkflow")
class UpdateOrderStatusWorkflow:
    @workflow.run
    async def run(self, job: JobWorkflowInput) -> JobWorkflowResult:
        return await run_job(job, self._effects)

    async def _effects(self, job: LoadedJob) -> JobOutcome:
        payload = job.payload
        notify = bool(payload.get("notify_customer", False))
        status = await store_activity(
            job, APPLY_ORDER_STATUS, OrderStatusInput(job_id=job.job_id, payload=payload), OrderStatusResult
        )
        result: dict[str, Any] = {
            "order_id": status.order_id,
            "previous_state": status.previous_state,
            "new_state": status.new_state,
            "customer_notified": status.customer_notified,
        }
        tracking_number = payload.get("tracking_number")
        if tracking_number:
            tracking = await store_activity(
                job,
                APPLY_TRACKING_NUMBER,
                TrackingInput(job_id=job.job_id, order_id=status.order_id, tracking_number=tracking_number,
                              notify_customer=notify),
                TrackingResult,
            )
            result["tracking"] = {"tracking_number": tracking.tracking_number, "previous": tracking.previous,
                                  "order_carrier_id": tracking.order_carrier_id}
        return JobOutcome(job_id=job.job_id, status=STATUS_SUCCEEDED, result=result)
