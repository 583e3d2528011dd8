"""The life of every job workflow: load the job, mark it running, apply its effects, record the outcome.

Shared by the three job workflows. Workflow code: it imports only temporalio, the standard library and the
contract modules (passed through the sandbox), and is deterministic.

Guarantees a newcomer should know about:

- **The job never stays ``running`` forever.** Effects run inside ``try/except ActivityError``: when an activity
  finally fails (a business error at once, a transient store error once its retries are spent), the workflow
  still records ``failed`` with the error's code and message. The terminal projection itself retries without
  limit (MySQL comes back; a job must not be left half-reported).
- **Business errors fail at once.** Activities raise non-retryable ``ApplicationError``\\ s whose ``type`` is the
  contract's code (``product_not_found``, ``insufficient_stock``...); the code and PrestaShop's message go into
  ``jobs.error_code``/``error_message``.
- **Transient store errors retry with backoff** (by default 1 s, 2 s, 4 s... at most 30 s apart, 6 attempts; the
  worker decides, see ``StoreRetryTiming``), each attempt bounded by a start-to-close timeout, and store
  activities heartbeat so a dead worker is noticed in seconds.
- The ``BridgeJobStatus`` search attribute follows the projection (``running``, then the terminal status), so
  operators can list stuck or failed jobs in the Temporal UI. Each upsert rides in the same workflow task as
  the commands around it (no task of its own).
- **The projection runs as local activities** (``start_job`` = load + mark running, and ``mark_job_finished``):
  they run inside the worker during the workflow task and are recorded as markers, with no activity task round
  trip through the server. They may run again when a workflow task is retried (a crash before the task
  completed): both writes are idempotent (running only from accepted/running; the first terminal outcome
  stands), so a re-run leaves the row as one run did. They retry like the old activities (unlimited, backing
  off; past the local retry threshold the SDK waits on a durable timer). Store effects stay normal activities
  (server-side retries, heartbeats, visible in the UI).

  Measured on this 2-core machine (``bench.figures.end_to_end``: price-only update_product, 5 jobs/s, 202 →
  ``succeeded`` visible in GET /v1/jobs): p50 442 ms / p99 622 ms with six activities per job (load, mark
  running, check, fields, reindex, mark finished: seven workflow tasks); p50 57 ms / p99 83 ms with the local
  projection and check + fields + reindex as one activity (two workflow tasks, one activity task).

Workflows started before this change replay their recorded path: the new path sits behind
``workflow.patched(LOCAL_PROJECTION_PATCH)``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError

with workflow.unsafe.imports_passed_through():
    from workflows.activity_contracts import (
        ERR_ALREADY_EXISTS,
        ERR_INSUFFICIENT_STOCK,
        ERR_INTERNAL,
        ERR_INVALID_TRANSITION,
        ERR_NO_ORDER_CARRIER,
        ERR_ORDER_NOT_FOUND,
        ERR_PRODUCT_NOT_FOUND,
        ERR_STOCK_CHANGED_CONCURRENTLY,
        ERR_STORE_AUTH,
        ERR_STORE_DISABLED,
        ERR_STORE_UNAVAILABLE,
        ERR_STORE_VALIDATION,
        ERR_UNKNOWN_LANGUAGE,
        ERR_UNKNOWN_ORDER_STATE,
        LOAD_JOB,
        MARK_JOB_FINISHED,
        MARK_JOB_RUNNING,
        START_JOB,
        JobOutcome,
        JobStatusResult,
        JobWorkflowResult,
        LoadedJob,
        LoadJobInput,
        MarkJobRunningInput,
        StartJobInput,
        StoreRetryTiming,
    )
    from workflows.contracts import (
        SA_JOB_STATUS,
        STATUS_FAILED,
        STATUS_RUNNING,
        TERMINAL_STATUSES,
        JobWorkflowInput,
    )

ResultT = TypeVar("ResultT")

BUSINESS_ERROR_TYPES = [
    ERR_PRODUCT_NOT_FOUND,
    ERR_ORDER_NOT_FOUND,
    ERR_NO_ORDER_CARRIER,
    ERR_INSUFFICIENT_STOCK,
    ERR_STOCK_CHANGED_CONCURRENTLY,
    ERR_INVALID_TRANSITION,
    ERR_UNKNOWN_ORDER_STATE,
    ERR_ALREADY_EXISTS,
    ERR_STORE_VALIDATION,
    ERR_STORE_AUTH,
    ERR_STORE_DISABLED,
    ERR_UNKNOWN_LANGUAGE,
]
"""Never retried, whatever the activity says: retrying cannot change the answer."""


def store_retry_policy(timing: StoreRetryTiming) -> RetryPolicy:
    """Backoff for transient store failures (1 s, 2 s, 4 s... at most 30 s apart, 6 attempts by default)."""
    return RetryPolicy(
        initial_interval=timedelta(seconds=timing.initial_seconds),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(seconds=timing.maximum_seconds),
        maximum_attempts=timing.maximum_attempts,
        non_retryable_error_types=BUSINESS_ERROR_TYPES,
    )


STORE_START_TO_CLOSE = timedelta(seconds=60)
"""One attempt of a store activity: a few webservice calls, each bounded by the gateway's own timeouts."""
STORE_HEARTBEAT = timedelta(seconds=10)
"""Store activities heartbeat every few seconds in the background: a killed worker's activity is retried
elsewhere after this, not after the whole start-to-close timeout."""

DB_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=60),
    maximum_attempts=0,  # unlimited: the projection must eventually be written, MySQL comes back
    non_retryable_error_types=["job_not_found"],
)
DB_START_TO_CLOSE = timedelta(seconds=30)


async def store_activity(job: LoadedJob, name: str, arg: Any, result_type: type[ResultT]) -> ResultT:
    """Run an activity that talks to PrestaShop (retry with backoff, business errors final)."""
    return await workflow.execute_activity(
        name,
        arg,
        result_type=result_type,
        start_to_close_timeout=STORE_START_TO_CLOSE,
        heartbeat_timeout=STORE_HEARTBEAT,
        retry_policy=store_retry_policy(job.store_retry),
    )


async def db_activity(name: str, arg: Any, result_type: type[ResultT]) -> ResultT:
    """Run an activity that only touches the bridge's MySQL (the projection, the ledger)."""
    return await workflow.execute_activity(
        name,
        arg,
        result_type=result_type,
        start_to_close_timeout=DB_START_TO_CLOSE,
        retry_policy=DB_RETRY,
    )


async def local_db_activity(name: str, arg: Any, result_type: type[ResultT]) -> ResultT:
    """A short, idempotent MySQL step run as a local activity (in the worker, recorded as a marker)."""
    return await workflow.execute_local_activity(
        name,
        arg,
        result_type=result_type,
        start_to_close_timeout=DB_START_TO_CLOSE,
        retry_policy=DB_RETRY,
    )


LOCAL_PROJECTION_PATCH = "local-projection-v1"
"""Workflows that recorded this patch use local projection steps and the merged product activity."""


def uses_local_projection() -> bool:
    """True for every workflow started by this code (and on replay of those); False when replaying a history
    recorded before the change. May be called any number of times in one workflow."""
    return workflow.patched(LOCAL_PROJECTION_PATCH)


async def projection_step(name: str, arg: Any, result_type: type[ResultT]) -> ResultT:
    """A MySQL-only bookkeeping step: a local activity in current workflows, an activity in old histories."""
    if uses_local_projection():
        return await local_db_activity(name, arg, result_type)
    return await db_activity(name, arg, result_type)


@dataclass(frozen=True)
class Failure:
    """What the job row says about an activity that finally failed."""

    code: str
    message: str
    retryable: bool


def failure_of(err: ActivityError) -> Failure:
    """Turn an activity's final failure into the job's ``error`` (code, message, retryable).

    An ApplicationError raised on purpose carries the contract's code as its type. Anything else (a bug, an
    exhausted timeout) becomes ``internal_error``/``store_unavailable`` with a one-line message: no stack
    trace ever reaches the job resource.
    """
    cause = err.cause
    if isinstance(cause, ApplicationError):
        if cause.type and _BRIDGE_CODE.fullmatch(cause.type):  # raised on purpose by a bridge activity
            return Failure(cause.type, _one_line(cause.message), retryable=not cause.non_retryable)
        # Any other exception type (Temporal names it after the Python class): a bug or an unplanned failure.
        return Failure(ERR_INTERNAL, f"unexpected {cause.type or 'error'} in the worker: {_one_line(cause.message)}",
                       retryable=True)
    if isinstance(cause, TimeoutError):
        return Failure(ERR_STORE_UNAVAILABLE, f"the activity timed out ({cause.type.name.lower()})", retryable=True)
    return Failure(ERR_INTERNAL, _one_line(str(cause or err)), retryable=True)


_BRIDGE_CODE = re.compile(r"[a-z][a-z0-9_]*")
"""The contract's codes are snake_case; Temporal types unplanned exceptions by their CamelCase class name."""


def _one_line(text: str, limit: int = 500) -> str:
    first = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return first[:limit]


Effects = Callable[[LoadedJob], Awaitable[JobOutcome]]


async def run_job(job: JobWorkflowInput, effects: Effects) -> JobWorkflowResult:
    """Load → mark running → effects → mark terminal. ``effects`` returns the outcome (or lets ActivityError
    escape, which becomes ``failed``)."""
    if uses_local_projection():
        loaded = await local_db_activity(START_JOB, StartJobInput(job.job_id, attempt=workflow.info().attempt),
                                         LoadedJob)
        if loaded.status in TERMINAL_STATUSES:
            # Already finished (a re-run after the outcome was written): report, never apply effects again.
            return JobWorkflowResult(job_id=job.job_id, status=loaded.status)
    else:
        loaded = await db_activity(LOAD_JOB, LoadJobInput(job.job_id), LoadedJob)
        if loaded.status in TERMINAL_STATUSES:
            return JobWorkflowResult(job_id=job.job_id, status=loaded.status)
        await db_activity(MARK_JOB_RUNNING, MarkJobRunningInput(job.job_id, attempt=workflow.info().attempt),
                          JobStatusResult)
    workflow.upsert_search_attributes([SA_JOB_STATUS.value_set(STATUS_RUNNING)])
    try:
        outcome = await effects(loaded)
    except ActivityError as err:
        failure = failure_of(err)
        workflow.logger.warning("job %s failed: %s", job.job_id, failure.code)
        outcome = JobOutcome(
            job_id=job.job_id, status=STATUS_FAILED, error_code=failure.code, error_message=failure.message,
            error_retryable=failure.retryable,
        )
    finished = await projection_step(MARK_JOB_FINISHED, outcome, JobStatusResult)
    workflow.upsert_search_attributes([SA_JOB_STATUS.value_set(finished.status)])
    return JobWorkflowResult(job_id=job.job_id, status=finished.status, error_code=outcome.error_code,
                             result=outcome.result)
