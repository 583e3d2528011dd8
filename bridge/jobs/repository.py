"""Access to the ``jobs`` table: the one record of every accepted write and of its outcome.

Synchronous SQLAlchemy Core over pymysql. Async callers (the API, activities) run these methods in a worker
thread (``anyio.to_thread.run_sync`` / ``asyncio.to_thread``); each method is one short transaction.

Writers:
- the API inserts a row when it accepts a write (``status=accepted``, ``workflow_started_at=NULL``);
- the dispatcher stamps ``workflow_started_at`` once Temporal has the workflow;
- workflows, through activities, move the row to ``running`` and to a terminal status (the projection).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from bridge.db.schema import failed_jobs, job_items, jobs
from workflows.contracts import (
    STATUS_ACCEPTED,
    STATUS_FAILED,
    STATUS_PARTIALLY_SUCCEEDED,
    STATUS_RUNNING,
    TERMINAL_STATUSES,
    workflow_id_for,
)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Naive UTC, microsecond precision: how every timestamp is stored."""
    return datetime.now(UTC).replace(tzinfo=None)


class JobRecord(msgspec.Struct, kw_only=True, frozen=True):
    job_id: str
    client_id: str
    kind: str
    status: str
    request_id: str
    batch_id: str | None
    payload: dict[str, Any]
    fingerprint: str
    workflow_id: str
    workflow_started_at: datetime | None
    attempts: int
    result: dict[str, Any] | None
    error_code: str | None
    error_message: str | None
    error_retryable: bool | None
    redrive_of_job_id: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


class NewJob(msgspec.Struct, kw_only=True, frozen=True):
    client_id: str
    kind: str
    request_id: str
    payload: dict[str, Any]
    fingerprint: str
    batch_id: str | None = None
    redrive_of_job_id: str | None = None
    job_id: str = msgspec.field(default_factory=lambda: str(uuid.uuid4()))


class JobItemRecord(msgspec.Struct, kw_only=True, frozen=True):
    """One item of an import, as the import workflow projects it into ``job_items``."""

    job_id: str
    item_index: int
    reference: str
    status: str
    action: str | None
    product_id: int | None
    error_code: str | None
    error_message: str | None
    updated_at: datetime


def select_job_items(conn: Connection, job_id: str) -> list[JobItemRecord]:
    """The ``job_items`` rows of one job, in item order (shared by the API's job resource and the ledger)."""
    rows = conn.execute(select(job_items).where(job_items.c.job_id == job_id).order_by(job_items.c.item_index)).all()
    return [JobItemRecord(**r._mapping) for r in rows]


class FailedJobRecord(msgspec.Struct, kw_only=True, frozen=True):
    """A ``failed_jobs`` row: what an operator inspects and re-drives (``bridge jobs failed`` / ``retry``)."""

    job_id: str
    client_id: str
    kind: str
    status: str
    error_code: str | None
    error_message: str | None
    attempts: int
    payload: dict[str, Any]
    failed_at: datetime
    redriven_as_job_id: str | None


class NotRedrivable(Exception):
    """The job has no ``failed_jobs`` row, or it was already re-driven."""


def _record(row: Any) -> JobRecord:
    return JobRecord(**row._mapping)


class JobRepository:
    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self._engine = engine
        self._clock = clock

    # --- accept -------------------------------------------------------------------------------------------
    def insert_values(self, job: NewJob) -> dict[str, Any]:
        """The row for ``job`` (exposed so callers can insert it inside their own transaction)."""
        now = self._clock()
        return {
            "job_id": job.job_id,
            "client_id": job.client_id,
            "kind": job.kind,
            "status": STATUS_ACCEPTED,
            "request_id": job.request_id,
            "batch_id": job.batch_id,
            "redrive_of_job_id": job.redrive_of_job_id,
            "payload": job.payload,
            "fingerprint": job.fingerprint,
            "workflow_id": workflow_id_for(job.job_id),
            "workflow_started_at": None,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }

    def insert(self, job: NewJob) -> JobRecord:
        with self._engine.begin() as conn:
            conn.execute(insert(jobs).values(**self.insert_values(job)))
        record = self.get(job.job_id)
        assert record is not None
        return record

    # --- read ---------------------------------------------------------------------------------------------
    def get(self, job_id: str) -> JobRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.job_id == job_id)).first()
        return _record(row) if row else None

    def get_for_client(self, job_id: str, client_id: str) -> JobRecord | None:
        """A job only its owner may see: another client's job is indistinguishable from a missing one."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(jobs).where(and_(jobs.c.job_id == job_id, jobs.c.client_id == client_id))
            ).first()
        return _record(row) if row else None

    # --- dispatch -----------------------------------------------------------------------------------------
    def undispatched(self, *, older_than: timedelta = timedelta(0), limit: int = 100) -> list[JobRecord]:
        """Jobs accepted but whose workflow start was never confirmed, oldest first."""
        cutoff = self._clock() - older_than
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(jobs)
                .where(and_(jobs.c.workflow_started_at.is_(None), jobs.c.created_at <= cutoff))
                .order_by(jobs.c.created_at)
                .limit(limit)
            ).all()
        return [_record(r) for r in rows]

    def mark_workflow_started(self, job_id: str) -> None:
        now = self._clock()
        with self._engine.begin() as conn:
            conn.execute(
                update(jobs)
                .where(and_(jobs.c.job_id == job_id, jobs.c.workflow_started_at.is_(None)))
                .values(workflow_started_at=now, updated_at=now)
            )

    # --- projection (written by workflow activities) -------------------------------------------------------
    def mark_running(self, job_id: str, *, attempt: int) -> JobRecord:
        """Idempotent: a retried activity, or a re-run after a crash, leaves the row as one run would."""
        now = self._clock()
        with self._engine.begin() as conn:
            conn.execute(
                update(jobs)
                .where(and_(jobs.c.job_id == job_id, jobs.c.status.in_([STATUS_ACCEPTED, STATUS_RUNNING])))
                .values(
                    status=STATUS_RUNNING,
                    attempts=attempt,
                    started_at=func.coalesce(jobs.c.started_at, now),
                    updated_at=now,
                    # The workflow runs, so it was started even if the dispatcher never saw the confirmation.
                    workflow_started_at=func.coalesce(jobs.c.workflow_started_at, now),
                )
            )
        record = self.get(job_id)
        if record is None:
            raise LookupError(f"job {job_id} does not exist")
        return record

    def note_attempt(self, job_id: str, attempt: int) -> None:
        """Raise ``attempts`` to ``attempt``: the job's ``attempts`` is the highest attempt number any of its
        activities reached (1 when nothing had to be retried). Called by activities on a retry."""
        with self._engine.begin() as conn:
            conn.execute(
                update(jobs)
                .where(and_(jobs.c.job_id == job_id, jobs.c.attempts < attempt))
                .values(attempts=attempt, updated_at=self._clock())
            )

    def mark_finished(
        self,
        job_id: str,
        *,
        status: str,
        result: dict[str, Any] | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
        error_retryable: bool | None = None,
        attempts: int | None = None,
    ) -> JobRecord:
        """Write the terminal outcome; a failed or partially succeeded job also gets a ``failed_jobs`` row.

        Idempotent: once terminal, a second call changes nothing (the first outcome stands).
        """
        if status not in TERMINAL_STATUSES:
            raise ValueError(f"{status!r} is not a terminal status")
        now = self._clock()
        with self._engine.begin() as conn:
            current = conn.execute(
                select(jobs).where(jobs.c.job_id == job_id).with_for_update()
            ).first()
            if current is None:
                raise LookupError(f"job {job_id} does not exist")
            if current.status in TERMINAL_STATUSES:
                return _record(current)
            values: dict[str, Any] = {
                "status": status,
                "result": result,
                "error_code": error_code,
                "error_message": error_message,
                "error_retryable": error_retryable,
                "finished_at": now,
                "updated_at": now,
                "started_at": current.started_at or now,
            }
            if attempts is not None:
                values["attempts"] = attempts
            conn.execute(update(jobs).where(jobs.c.job_id == job_id).values(**values))
            if status in (STATUS_FAILED, STATUS_PARTIALLY_SUCCEEDED):
                conn.execute(
                    insert(failed_jobs).values(
                        job_id=job_id,
                        client_id=current.client_id,
                        kind=current.kind,
                        status=status,
                        error_code=error_code,
                        error_message=error_message,
                        attempts=values.get("attempts", current.attempts),
                        payload=current.payload,
                        failed_at=now,
                    )
                )
        record = self.get(job_id)
        assert record is not None
        return record

    # --- read models for the job resource -------------------------------------------------------------------
    def items(self, job_id: str) -> list[JobItemRecord]:
        """The ``job_items`` rows of an import, in item order (empty until the workflow has written them)."""
        with self._engine.connect() as conn:
            return select_job_items(conn, job_id)

    def get_by_batch(self, client_id: str, batch_id: str) -> JobRecord | None:
        """The import job a client accepted under ``batch_id`` (unique per client), if any."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(jobs).where(and_(jobs.c.client_id == client_id, jobs.c.batch_id == batch_id))
            ).first()
        return _record(row) if row else None

    # --- failed jobs (operator CLI) -------------------------------------------------------------------------
    def failed(self, *, limit: int = 50, include_redriven: bool = False) -> list[FailedJobRecord]:
        """``failed_jobs`` rows, newest first; by default only those not re-driven yet."""
        query = select(failed_jobs).order_by(failed_jobs.c.failed_at.desc()).limit(limit)
        if not include_redriven:
            query = query.where(failed_jobs.c.redriven_as_job_id.is_(None))
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [FailedJobRecord(**r._mapping) for r in rows]

    def redrive(self, job_id: str) -> JobRecord:
        """Create a new ``accepted`` job repeating a failed one, linked both ways, in one transaction.

        The new job carries the old payload, kind and client, ``redrive_of_job_id`` = the old job, and a fresh
        request id (the client never sent it: ``idempotency_keys`` is not involved). Its ``batch_id`` column
        stays NULL because ``(client_id, batch_id)`` is unique and the old import keeps its batch; the payload
        still names the batch. ``failed_jobs.redriven_as_job_id`` points to the new job, so a second re-drive
        of the same failure is refused (:class:`NotRedrivable`). The caller starts the workflow (or leaves it
        to the dispatcher: the row has ``workflow_started_at`` NULL).
        """
        with self._engine.begin() as conn:
            failure = conn.execute(
                select(failed_jobs).where(failed_jobs.c.job_id == job_id).with_for_update()
            ).first()
            if failure is None:
                raise NotRedrivable(f"job {job_id} has no failed-jobs record")
            if failure.redriven_as_job_id is not None:
                raise NotRedrivable(f"job {job_id} was already re-driven as job {failure.redriven_as_job_id}")
            old = conn.execute(select(jobs).where(jobs.c.job_id == job_id)).one()
            new = NewJob(
                client_id=old.client_id,
                kind=old.kind,
                request_id=str(uuid.uuid4()),
                payload=old.payload,
                fingerprint=old.fingerprint,
                redrive_of_job_id=job_id,
            )
            conn.execute(insert(jobs).values(**self.insert_values(new)))
            conn.execute(
                update(failed_jobs).where(failed_jobs.c.job_id == job_id).values(redriven_as_job_id=new.job_id)
            )
        record = self.get(new.job_id)
        assert record is not None
        return record
