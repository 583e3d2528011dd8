"""``PurgeIdempotencyKeysWorkflow``: delete ``idempotency_keys`` rows whose 24 h window has passed.

Run by a Temporal Schedule the worker ensures at start-up (hourly, see :mod:`bridge.worker`). Redis forgets
its copy of a key on its own (TTL); MySQL's copy is what answers replays when Redis has lost its data, and this
purge keeps that table from growing forever and lets a key be reused after 24 h as the contract allows.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.activity_contracts import PURGE_IDEMPOTENCY_KEYS, PurgeInput, PurgeResult


@workflow.defn(name="PurgeIdempotencyKeysWorkflow")
class PurgeIdempotencyKeysWorkflow:
    @workflow.run
    async def run(self, purge: PurgeInput) -> PurgeResult:
        return await workflow.execute_activity(
            PURGE_IDEMPOTENCY_KEYS,
            purge,
            result_type=PurgeResult,
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=RetryPolicy(maximum_attempts=5, maximum_interval=timedelta(seconds=60)),
        )
