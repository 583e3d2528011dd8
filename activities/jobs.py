"""Activities on the bridge's own MySQL: load a job, the projection (running → terminal), import item rows,
and the idempotency-key purge. Every MySQL call runs in a thread (SQLAlchemy here is synchronous)."""

from __future__ import annotations

import asyncio

from temporalio import activity

from activities.resources import ActivityResources
from activities.store_errors import business_error
from bridge.jobs.repository import JobRecord
from workflows.activity_contracts import (
    LOAD_JOB,
    MARK_JOB_FINISHED,
    MARK_JOB_RUNNING,
    PREPARE_IMPORT_ITEMS,
    PURGE_IDEMPOTENCY_KEYS,
    RECORD_ITEM_FAILURE,
    START_JOB,
    JobOutcome,
    JobStatusResult,
    LoadedJob,
    LoadJobInput,
    MarkJobRunningInput,
    PrepareImportInput,
    PrepareImportResult,
    PurgeInput,
    PurgeResult,
    RecordItemFailureInput,
    RecordItemFailureResult,
    StartJobInput,
)


class JobActivities:
    def __init__(self, resources: ActivityResources) -> None:
        self._r = resources

    @activity.defn(name=LOAD_JOB)
    async def load_job(self, request: LoadJobInput) -> LoadedJob:
        record = await asyncio.to_thread(self._r.jobs.get, request.job_id)
        if record is None:
            raise business_error("job_not_found", f"job {request.job_id} has no row in the jobs table")
        return self._loaded(record)

    @activity.defn(name=START_JOB)
    async def start_job(self, request: StartJobInput) -> LoadedJob:
        """Mark the job running and load it, in one step (current workflows run it as a local activity).

        Idempotent like both halves: the row only moves accepted/running → running, so a re-run (a retried
        workflow task re-executes a local activity) or a finished job leaves the row as it was; a job found
        terminal is returned as such and the workflow applies nothing."""
        try:
            record = await asyncio.to_thread(self._r.jobs.mark_running, request.job_id, attempt=request.attempt)
        except LookupError:
            raise business_error("job_not_found", f"job {request.job_id} has no row in the jobs table") from None
        return self._loaded(record)

    def _loaded(self, record: JobRecord) -> LoadedJob:
        return LoadedJob(
            job_id=record.job_id, kind=record.kind, client_id=record.client_id, status=record.status,
            payload=record.payload, batch_id=record.batch_id,
            import_item_parallelism=self._r.settings.import_item_parallelism, store_retry=self._r.store_retry,
        )

    @activity.defn(name=MARK_JOB_RUNNING)
    async def mark_job_running(self, request: MarkJobRunningInput) -> JobStatusResult:
        record = await asyncio.to_thread(self._r.jobs.mark_running, request.job_id, attempt=request.attempt)
        return JobStatusResult(status=record.status)

    @activity.defn(name=MARK_JOB_FINISHED)
    async def mark_job_finished(self, outcome: JobOutcome) -> JobStatusResult:
        record = await asyncio.to_thread(
            lambda: self._r.jobs.mark_finished(
                outcome.job_id, status=outcome.status, result=outcome.result, error_code=outcome.error_code,
                error_message=outcome.error_message, error_retryable=outcome.error_retryable,
            )
        )
        return JobStatusResult(status=record.status)

    @activity.defn(name=PREPARE_IMPORT_ITEMS)
    async def prepare_import_items(self, request: PrepareImportInput) -> PrepareImportResult:
        await asyncio.to_thread(self._r.ledger.ensure_items, request.job_id, list(enumerate(request.references)))
        return PrepareImportResult(items=len(request.references))

    @activity.defn(name=RECORD_ITEM_FAILURE)
    async def record_item_failure(self, request: RecordItemFailureInput) -> RecordItemFailureResult:
        await asyncio.to_thread(
            lambda: self._r.ledger.record_item_failure(
                request.job_id, request.item_index, code=request.code, message=request.message
            )
        )
        return RecordItemFailureResult()

    @activity.defn(name=PURGE_IDEMPOTENCY_KEYS)
    async def purge_idempotency_keys(self, request: PurgeInput) -> PurgeResult:
        deleted = await asyncio.to_thread(self._r.ledger.purge_expired_idempotency_keys, batch_size=request.batch_size)
        activity.logger.info("purged %d expired idempotency keys", deleted)
        return PurgeResult(deleted=deleted)
