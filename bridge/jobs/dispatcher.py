"""The dispatcher: the one seam where a job row becomes a Temporal workflow.

Every accepted job is first a row in MySQL (``workflow_started_at`` NULL). Two paths start its workflow:

1. the accept path calls :meth:`JobDispatcher.try_start` right after the row is committed (the common case:
   the workflow starts within the request, the 202 follows);
2. a background loop, :meth:`JobDispatcher.run`, wakes every ``settings.dispatcher_interval_seconds`` and starts
   every job whose workflow start was never confirmed and that is older than a short grace period (so it does
   not race the accept path of a request still in flight). That covers an API process that died between the
   insert and the start, and Temporal being down or slow at accept time: the 202 was still correct (the job is
   durable), and the job starts as soon as Temporal answers again. No accepted job is stranded in ``accepted``.

Where the loop runs: inside every API process, started and stopped by the app's lifespan (an interval of 0
disables it in that process, see :func:`dispatcher_running`). A separate process
would be one more thing to deploy and monitor for a few cheap queries a second; the API already holds the MySQL
engine and the Temporal connector, and it is the component that creates the rows.

Several API replicas run the loop at once, safely, **by relying on Temporal's duplicate rejection** rather than
row locks: the workflow id is derived from the job (``job-<job_id>``), the start uses
``WorkflowIDConflictPolicy.USE_EXISTING`` (a second start while it runs returns the running one) and
``WorkflowIDReusePolicy.REJECT_DUPLICATE`` (a start after it closed is refused with
``WorkflowAlreadyStartedError``, which counts as success), so whichever replica wins, exactly one workflow runs
per job. Stamping ``workflow_started_at`` is idempotent too. ``SELECT ... FOR UPDATE SKIP LOCKED`` would only
save a few redundant RPCs, at the price of holding a transaction open across a network call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import anyio.to_thread
from temporalio.client import Client
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError

from bridge.jobs.repository import JobRecord, JobRepository
from bridge.observability import BridgeMetrics
from bridge.temporal.client import TemporalConnector, TemporalUnavailable, is_connection_failure
from workflows.contracts import (
    SA_BATCH_ID,
    SA_CLIENT_ID,
    SA_JOB_KIND,
    SA_JOB_STATUS,
    STATUS_ACCEPTED,
    WORKFLOW_FOR_KIND,
    JobWorkflowInput,
    workflow_id_for,
)

log = logging.getLogger("bridge.dispatcher")

START_RPC_TIMEOUT = timedelta(seconds=5)
"""Bound on one start call, so a slow Temporal delays a 202 by at most this much (the loop retries later)."""
DISPATCH_GRACE = timedelta(seconds=2)
"""The loop leaves jobs younger than this to the accept path that is starting them right now."""
DISPATCH_BATCH = 100
"""Jobs started per loop tick at most (oldest first); the next tick takes the rest."""


def search_attributes_for(job: JobRecord) -> TypedSearchAttributes:
    """Kind, client, batch (imports) and status ``accepted``: what operators filter on in the Temporal UI."""
    pairs = [
        SearchAttributePair(SA_JOB_KIND, job.kind),
        SearchAttributePair(SA_CLIENT_ID, job.client_id),
        SearchAttributePair(SA_JOB_STATUS, STATUS_ACCEPTED),
    ]
    # A re-driven import has no batch_id column (it is unique per client) but its payload names the batch.
    batch_id = job.batch_id or job.payload.get("batch_id")
    if isinstance(batch_id, str) and batch_id:
        pairs.append(SearchAttributePair(SA_BATCH_ID, batch_id))
    return TypedSearchAttributes(pairs)


async def start_job(client: Client, job: JobRecord, *, jobs: JobRepository, task_queue: str) -> None:
    """Start the job's workflow (or find it already started), then stamp ``workflow_started_at``.

    Raises whatever the Temporal client raises for anything but "already started"; callers decide whether to
    retry (the loop does, on its next tick).
    """
    try:
        await client.start_workflow(
            WORKFLOW_FOR_KIND[job.kind],
            JobWorkflowInput(job_id=job.job_id, kind=job.kind, client_id=job.client_id),
            id=workflow_id_for(job.job_id),
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            search_attributes=search_attributes_for(job),
            rpc_timeout=START_RPC_TIMEOUT,
        )
    except WorkflowAlreadyStartedError:
        log.info("workflow already started", extra={"job_id": job.job_id})
    await anyio.to_thread.run_sync(jobs.mark_workflow_started, job.job_id)


class JobDispatcher:
    """Starts job workflows through a lazily connected Temporal client; see the module docstring."""

    def __init__(
        self,
        connector: TemporalConnector,
        jobs: JobRepository,
        *,
        task_queue: str,
        interval_seconds: float = 1.0,
        grace: timedelta = DISPATCH_GRACE,
        metrics: BridgeMetrics | None = None,
    ) -> None:
        self.metrics = metrics
        self.connector = connector
        self.jobs = jobs
        self.task_queue = task_queue
        self.interval_seconds = interval_seconds
        self.grace = grace

    async def start(self, job: JobRecord) -> None:
        """Start one job's workflow; raises :class:`TemporalUnavailable` when Temporal cannot be reached."""
        client = await self.connector.client()
        try:
            await asyncio.wait_for(
                start_job(client, job, jobs=self.jobs, task_queue=self.task_queue),
                timeout=START_RPC_TIMEOUT.total_seconds() + 1,
            )
        except Exception as exc:
            if is_connection_failure(exc):
                self.connector.forget()
                raise TemporalUnavailable(f"could not start the workflow of job {job.job_id}") from None
            raise
        if self.metrics is not None:
            self.metrics.jobs_dispatched.inc()

    async def try_start(self, job: JobRecord) -> bool:
        """Start the workflow now if possible; on any failure log it and leave the job to the loop.

        Used by the accept path: the job is already durable, so a Temporal problem must not turn the 202 into
        an error. Returns whether the start was confirmed.
        """
        try:
            await self.start(job)
        except TemporalUnavailable:
            log.warning("Temporal unreachable at accept time; the dispatcher will start the job",
                        extra={"job_id": job.job_id})
            return False
        except Exception as exc:
            log.error("starting the workflow failed (%s: %s); the dispatcher will retry",
                      exc.__class__.__name__, exc, extra={"job_id": job.job_id})
            return False
        return True

    async def dispatch_pending(self) -> int:
        """One pass: start every undispatched job older than the grace period. Returns how many started."""
        pending = await anyio.to_thread.run_sync(
            lambda: self.jobs.undispatched(older_than=self.grace, limit=DISPATCH_BATCH)
        )
        started = 0
        for job in pending:
            try:
                await self.start(job)
            except TemporalUnavailable:
                log.warning("Temporal unreachable; %d job(s) wait for their workflow", len(pending) - started)
                break  # no point trying the others now
            except Exception as exc:
                log.error("starting the workflow failed (%s: %s); retrying next tick",
                          exc.__class__.__name__, exc, extra={"job_id": job.job_id})
                continue
            started += 1
            log.info("dispatcher started a job's workflow", extra={"job_id": job.job_id})
        return started

    async def run(self) -> None:
        """Loop until cancelled (the lifespan cancels it on shutdown). A failing pass never ends the loop."""
        while True:
            try:
                await self.dispatch_pending()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # MySQL down, for instance: try again next tick
                # The class and message only: log lines never carry stack traces (or what they might reveal).
                log.error("dispatcher pass failed (%s: %s)", exc.__class__.__name__, exc)
            await asyncio.sleep(self.interval_seconds)


@asynccontextmanager
async def dispatcher_running(dispatcher: JobDispatcher) -> AsyncIterator[JobDispatcher]:
    """Run the dispatcher's loop for the duration of the block (the API's lifespan); cancel it on exit.

    An interval of 0 (``BRIDGE_DISPATCHER_INTERVAL_SECONDS=0``) runs no loop: the process still starts the
    workflows of the jobs it accepts, but leaves stranded jobs to other replicas. Test harnesses that insert job
    rows by hand and start their workflows themselves use it so that no API process races them.
    """
    if dispatcher.interval_seconds <= 0:
        yield dispatcher
        return
    task = asyncio.create_task(dispatcher.run(), name="job-dispatcher")
    try:
        yield dispatcher
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
