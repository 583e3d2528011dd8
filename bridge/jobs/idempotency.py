"""HTTP idempotency (contract section 5): one ``X-Request-ID`` per client means one intention for 24 hours.

Two records, with different jobs:

* **MySQL** ``idempotency_keys`` (durable, the truth). Its primary key ``(client_id, request_id)`` is the
  lock: the first request INSERTs the key with ``job_id`` NULL (a *reservation*, committed at once so that a
  concurrent duplicate sees "in progress"), the accept transaction then inserts the job row and fills in
  ``job_id`` — one transaction, so a key never points to a job that does not exist and a job never lacks its
  key. Two identical requests racing: exactly one INSERT wins; the loser reads the winner's row and answers
  ``request_in_progress`` (or replays it once accepted). Only the winner ever starts a workflow.
* **Redis** (fast, disposable): once a key has its job, ``{fingerprint, job_id}`` is cached under
  ``bridge:idem:<client>:<request>`` until the key expires, so a replay skips the MySQL key lookup. Losing
  Redis loses nothing: every question is answered again from MySQL. Redis errors are treated as a miss.

Expiry: a key lives ``settings.idempotency_ttl_seconds`` (24 h). An expired key is deleted and the request id
may start a new job. A reservation whose request died before completing (process killed mid-accept) would
otherwise block the id for 24 h: after :data:`STALE_RESERVATION` it may be taken over by the next request.

The MySQL methods are synchronous (SQLAlchemy over pymysql); async callers run them in a worker thread.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import msgspec
from pymysql.constants import ER
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import Engine, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from bridge.db.schema import idempotency_keys, jobs
from bridge.jobs.repository import Clock, utc_now

log = logging.getLogger("bridge.idempotency")

STALE_RESERVATION = timedelta(seconds=120)
"""A reservation still without a job after this long belongs to a request that died; it may be taken over.
Well above the longest accept (store pre-check timeouts plus the workflow start bound)."""

REDIS_KEY_PREFIX = "bridge:idem:"


class IdempotencyKey(msgspec.Struct, kw_only=True, frozen=True):
    client_id: str
    request_id: str
    fingerprint: str
    job_id: str | None
    """None while the first request with this id is still being accepted."""
    created_at: datetime
    expires_at: datetime


class CachedKey(msgspec.Struct, frozen=True):
    """What Redis remembers of a completed key."""

    fingerprint: str
    job_id: str


class BatchAlreadyUsed(Exception):
    """The job insert hit ``uq_jobs_client_batch``: another request accepted this client's batch_id first."""


def _is_duplicate_key(error: IntegrityError, constraint: str | None = None) -> bool:
    orig = error.orig
    code = orig.args[0] if orig is not None and getattr(orig, "args", None) else None
    if code != ER.DUP_ENTRY:
        return False
    return constraint is None or constraint in str(orig)


class IdempotencyStore:
    def __init__(
        self,
        engine: Engine,
        redis: Redis,
        *,
        ttl_seconds: int,
        clock: Clock = utc_now,
        stale_reservation: timedelta = STALE_RESERVATION,
    ) -> None:
        self._engine = engine
        self._redis = redis
        self._ttl = timedelta(seconds=ttl_seconds)
        self._clock = clock
        self._stale = stale_reservation

    # --- MySQL: the durable record ----------------------------------------------------------------------------
    def get(self, client_id: str, request_id: str) -> IdempotencyKey | None:
        """The live key (None when absent or expired)."""
        with self._engine.connect() as conn:
            row = conn.execute(select(idempotency_keys).where(self._where(client_id, request_id))).first()
        if row is None or row.expires_at <= self._clock():
            return None
        return IdempotencyKey(**row._mapping)

    def reserve(self, client_id: str, request_id: str, fingerprint: str) -> IdempotencyKey | None:
        """Claim the key for a new request. None: the caller owns it now and must complete or release it.

        Otherwise returns the live key another request holds (completed, or still being accepted), for the
        caller to answer as a replay, a conflict or ``request_in_progress``.
        """
        for _ in range(5):  # each retry follows a concurrent delete/takeover; converges in one or two rounds
            now = self._clock()
            try:
                with self._engine.begin() as conn:
                    conn.execute(
                        insert(idempotency_keys).values(
                            client_id=client_id, request_id=request_id, fingerprint=fingerprint, job_id=None,
                            created_at=now, expires_at=now + self._ttl,
                        )
                    )
                return None
            except IntegrityError as exc:
                if not _is_duplicate_key(exc):
                    raise
            with self._engine.begin() as conn:
                row = conn.execute(select(idempotency_keys).where(self._where(client_id, request_id))).first()
                if row is None:  # released or expired-and-deleted in between: try the insert again
                    continue
                if row.expires_at <= now:
                    # After 24 h the id may serve a new intention: forget the old key (the old job stays).
                    conn.execute(
                        delete(idempotency_keys).where(
                            and_(self._where(client_id, request_id), idempotency_keys.c.expires_at <= now)
                        )
                    )
                    continue
                if row.job_id is None and row.created_at <= now - self._stale:
                    taken = conn.execute(
                        update(idempotency_keys)
                        .where(
                            and_(
                                self._where(client_id, request_id),
                                idempotency_keys.c.job_id.is_(None),
                                idempotency_keys.c.created_at == row.created_at,
                            )
                        )
                        .values(fingerprint=fingerprint, created_at=now, expires_at=now + self._ttl)
                    )
                    if taken.rowcount == 1:
                        log.warning("took over an abandoned idempotency reservation",
                                    extra={"client_id": client_id, "request_id": request_id})
                        return None
                    continue
                return IdempotencyKey(**row._mapping)
        raise RuntimeError("could not settle the idempotency key after several attempts")

    def release(self, client_id: str, request_id: str) -> None:
        """Give up a reservation (the request ended in an error before a job existed): the id is free again."""
        with self._engine.begin() as conn:
            conn.execute(
                delete(idempotency_keys).where(
                    and_(self._where(client_id, request_id), idempotency_keys.c.job_id.is_(None))
                )
            )

    def complete_with_new_job(self, client_id: str, request_id: str, job_row: dict[str, Any]) -> None:
        """One transaction: insert the job row and point the reserved key to it.

        Raises :class:`BatchAlreadyUsed` when an import's batch_id was taken by a concurrent request (nothing
        is written), and ``RuntimeError`` if the reservation was lost (it never is unless taken over as stale).
        """
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(jobs).values(**job_row))
                bound = conn.execute(
                    update(idempotency_keys)
                    .where(and_(self._where(client_id, request_id), idempotency_keys.c.job_id.is_(None)))
                    .values(job_id=job_row["job_id"])
                )
                if bound.rowcount != 1:
                    raise RuntimeError("the idempotency reservation was lost before the job was recorded")
        except IntegrityError as exc:
            if _is_duplicate_key(exc, "uq_jobs_client_batch"):
                raise BatchAlreadyUsed(job_row.get("batch_id")) from None
            raise

    def complete_with_existing_job(self, client_id: str, request_id: str, job_id: str) -> None:
        """Point the reserved key to a job accepted earlier (an import replayed by batch_id under a new id)."""
        with self._engine.begin() as conn:
            conn.execute(
                update(idempotency_keys)
                .where(and_(self._where(client_id, request_id), idempotency_keys.c.job_id.is_(None)))
                .values(job_id=job_id)
            )

    @staticmethod
    def _where(client_id: str, request_id: str) -> Any:
        return and_(idempotency_keys.c.client_id == client_id, idempotency_keys.c.request_id == request_id)

    # --- Redis: the fast copy -----------------------------------------------------------------------------------
    @staticmethod
    def redis_key(client_id: str, request_id: str) -> str:
        return f"{REDIS_KEY_PREFIX}{client_id}:{request_id}"

    async def cached(self, client_id: str, request_id: str) -> CachedKey | None:
        try:
            raw = await self._redis.get(self.redis_key(client_id, request_id))
        except RedisError:
            log.warning("Redis unavailable for an idempotency lookup; answering from MySQL")
            return None
        if raw is None:
            return None
        try:
            return msgspec.json.decode(raw, type=CachedKey)
        except msgspec.DecodeError:
            return None

    async def remember(self, client_id: str, request_id: str, fingerprint: str, job_id: str,
                       expires_at: datetime | None = None) -> None:
        """Cache a completed key until it expires (best effort: a Redis failure only costs speed)."""
        remaining = (expires_at - self._clock()) if expires_at is not None else self._ttl
        seconds = int(remaining.total_seconds())
        if seconds <= 0:
            return
        try:
            await self._redis.set(
                self.redis_key(client_id, request_id),
                msgspec.json.encode(CachedKey(fingerprint, job_id)),
                ex=seconds,
            )
        except RedisError:
            log.warning("Redis unavailable; the idempotency key is only in MySQL")
