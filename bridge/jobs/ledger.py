"""The effect ledger: per-effect and per-item progress of a job, in MySQL (``job_effects`` and ``job_items``).

Why it exists: Temporal runs an activity *at least* once. An activity can write to PrestaShop and then die
(crash, timeout, lost worker) before Temporal records its completion, so the retry runs the same code again.
PrestaShop has no idempotency keys, and some of its writes are not idempotent (a stock quantity computed from a
delta, a product POST, an order-history POST that re-sends e-mails). So every such effect writes down what it
decided **before** acting (``planned``, with the data needed to recognise its own write later) and that it
acted (``applied``). A retry reads the ledger, then re-reads PrestaShop, and only acts when the store shows the
effect has not happened yet.

``job_items`` is also the per-item outcome of an import that ``GET /v1/jobs/{id}`` shows while the batch runs.

Synchronous SQLAlchemy Core like :mod:`bridge.jobs.repository`: activities call it through
``asyncio.to_thread``; every method is one short transaction and is safe to repeat.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
from sqlalchemy import Connection, Engine, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from bridge.db.schema import idempotency_keys, job_effects, job_items
from bridge.jobs.repository import Clock, JobItemRecord, select_job_items, utc_now

EFFECT_PLANNED = "planned"
EFFECT_APPLIED = "applied"

ITEM_PENDING = "pending"
ITEM_RUNNING = "running"
ITEM_SUCCEEDED = "succeeded"
ITEM_FAILED = "failed"
ITEM_TERMINAL = (ITEM_SUCCEEDED, ITEM_FAILED)


class EffectRecord(msgspec.Struct, kw_only=True, frozen=True):
    job_id: str
    effect_key: str
    state: str
    data: dict[str, Any]

    @property
    def applied(self) -> bool:
        return self.state == EFFECT_APPLIED


def _effect(row: Any) -> EffectRecord:
    return EffectRecord(job_id=row.job_id, effect_key=row.effect_key, state=row.state, data=dict(row.data or {}))


class EffectLedger:
    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self._engine = engine
        self._clock = clock

    # --- effects ------------------------------------------------------------------------------------------
    def get_effect(self, job_id: str, effect_key: str) -> EffectRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(job_effects).where(and_(job_effects.c.job_id == job_id, job_effects.c.effect_key == effect_key))
            ).first()
        return _effect(row) if row else None

    def effects(self, job_id: str) -> list[EffectRecord]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(job_effects).where(job_effects.c.job_id == job_id).order_by(job_effects.c.created_at)
            ).all()
        return [_effect(r) for r in rows]

    def plan_effect(self, job_id: str, effect_key: str, data: dict[str, Any]) -> EffectRecord:
        """Record the decision for an effect, once. If a plan already exists, it wins and is returned unchanged:
        a decision (e.g. the target stock quantity) is taken exactly once per job and effect."""
        now = self._clock()
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(job_effects).values(
                        job_id=job_id, effect_key=effect_key, state=EFFECT_PLANNED, data=data,
                        created_at=now, updated_at=now,
                    )
                )
        except IntegrityError:  # duplicate key: an earlier attempt planned it first
            pass
        else:  # this call's plan is the row: no need to read it back (JSON round trip, as a read would give)
            return EffectRecord(job_id=job_id, effect_key=effect_key, state=EFFECT_PLANNED,
                                data=msgspec.json.decode(msgspec.json.encode(data)))
        record = self.get_effect(job_id, effect_key)
        assert record is not None
        return record

    def mark_applied(self, job_id: str, effect_key: str, extra: dict[str, Any] | None = None) -> EffectRecord:
        """The effect is visible in the store. ``extra`` is merged into the plan's data (e.g. a created id)."""
        return self._set(job_id, effect_key, state=EFFECT_APPLIED, extra=extra)

    def add_effect_data(self, job_id: str, effect_key: str, extra: dict[str, Any]) -> EffectRecord:
        """Merge facts into an effect's data without changing its state (e.g. numbers for the operator)."""
        return self._set(job_id, effect_key, state=None, extra=extra)

    def _set(self, job_id: str, effect_key: str, *, state: str | None, extra: dict[str, Any] | None) -> EffectRecord:
        with self._engine.begin() as conn:
            return self._set_in(conn, job_id, effect_key, state=state, extra=extra)

    def _set_in(self, conn: Connection, job_id: str, effect_key: str, *, state: str | None,
                extra: dict[str, Any] | None) -> EffectRecord:
        """Update one effect under its row lock; the record returned is what the row now holds (no re-read)."""
        where = and_(job_effects.c.job_id == job_id, job_effects.c.effect_key == effect_key)
        row = conn.execute(select(job_effects).where(where).with_for_update()).first()
        if row is None:
            raise LookupError(f"no effect {effect_key!r} planned for job {job_id}")
        data = {**(row.data or {}), **(extra or {})}
        values: dict[str, Any] = {"updated_at": self._clock(), "data": data}
        if state is not None:
            values["state"] = state
        conn.execute(update(job_effects).where(where).values(**values))
        return EffectRecord(job_id=job_id, effect_key=effect_key, state=state or row.state, data=data)

    # --- import items -------------------------------------------------------------------------------------
    def ensure_items(self, job_id: str, references: Iterable[tuple[int, str]]) -> None:
        """Create the ``pending`` row of every item that has none yet (a re-run keeps existing outcomes)."""
        now = self._clock()
        with self._engine.begin() as conn:
            existing = set(conn.execute(select(job_items.c.item_index).where(job_items.c.job_id == job_id)).scalars())
            rows = [
                {"job_id": job_id, "item_index": index, "reference": reference, "status": ITEM_PENDING,
                 "updated_at": now}
                for index, reference in references
                if index not in existing
            ]
            if rows:
                conn.execute(insert(job_items), rows)

    def mark_item_running(self, job_id: str, item_index: int) -> None:
        """pending → running; an item that already has an outcome keeps it."""
        self._update_item(job_id, item_index, only_from=(ITEM_PENDING, ITEM_RUNNING), status=ITEM_RUNNING)

    def start_item(self, job_id: str, item_index: int, effect_key: str) -> EffectRecord | None:
        """``mark_item_running`` and ``get_effect(effect_key)`` in one transaction (one round trip fewer per
        import item)."""
        with self._engine.begin() as conn:
            self._update_item_in(conn, job_id, item_index, only_from=(ITEM_PENDING, ITEM_RUNNING), status=ITEM_RUNNING)
            row = conn.execute(
                select(job_effects).where(and_(job_effects.c.job_id == job_id, job_effects.c.effect_key == effect_key))
            ).first()
        return _effect(row) if row else None

    def finish_item(self, job_id: str, item_index: int, effect_key: str, *, product_id: int | None = None,
                    action: str | None = None) -> EffectRecord:
        """Record an item's success in one transaction: its effect ``applied`` (with ``product_id`` merged into
        the plan when given), then the item row ``succeeded`` with the effect's product id and action. Safe to
        repeat (an applied effect stays applied; a succeeded item stays succeeded)."""
        with self._engine.begin() as conn:
            effect = self._set_in(conn, job_id, effect_key, state=EFFECT_APPLIED,
                                  extra=None if product_id is None else {"product_id": product_id})
            self._update_item_in(
                conn, job_id, item_index, only_from=(ITEM_PENDING, ITEM_RUNNING, ITEM_SUCCEEDED),
                status=ITEM_SUCCEEDED, product_id=int(effect.data["product_id"]),
                action=action or str(effect.data["action"]), error_code=None, error_message=None,
            )
        return effect

    def record_item_success(self, job_id: str, item_index: int, *, product_id: int, action: str) -> None:
        self._update_item(
            job_id, item_index, only_from=(ITEM_PENDING, ITEM_RUNNING, ITEM_SUCCEEDED), status=ITEM_SUCCEEDED,
            product_id=product_id, action=action, error_code=None, error_message=None,
        )

    def record_item_failure(
        self, job_id: str, item_index: int, *, code: str, message: str, product_id: int | None = None
    ) -> None:
        """An item that already succeeded never turns failed (its effect happened)."""
        self._update_item(
            job_id, item_index, only_from=(ITEM_PENDING, ITEM_RUNNING, ITEM_FAILED), status=ITEM_FAILED,
            error_code=code, error_message=message, product_id=product_id,
        )

    def _update_item(self, job_id: str, item_index: int, *, only_from: tuple[str, ...], **values: Any) -> None:
        with self._engine.begin() as conn:
            self._update_item_in(conn, job_id, item_index, only_from=only_from, **values)

    def _update_item_in(self, conn: Connection, job_id: str, item_index: int, *, only_from: tuple[str, ...],
                        **values: Any) -> None:
        conn.execute(
            update(job_items)
            .where(and_(job_items.c.job_id == job_id, job_items.c.item_index == item_index,
                        job_items.c.status.in_(only_from)))
            .values(updated_at=self._clock(), **values)
        )

    def items(self, job_id: str) -> list[JobItemRecord]:
        with self._engine.connect() as conn:
            return select_job_items(conn, job_id)

    # --- idempotency keys ---------------------------------------------------------------------------------
    def purge_expired_idempotency_keys(self, *, batch_size: int = 1000) -> int:
        """Delete ``idempotency_keys`` rows whose 24 h window has passed; returns how many went.

        Deleted in batches so one purge never holds a long lock on a big table. (The table belongs to the API
        side; the purge lives here because it runs from a workflow activity like every other maintenance.)
        """
        total = 0
        while True:
            with self._engine.begin() as conn:
                deleted = conn.execute(
                    delete(idempotency_keys)
                    .where(idempotency_keys.c.expires_at < self._clock())
                    .with_dialect_options(mysql_limit=batch_size, mariadb_limit=batch_size)
                ).rowcount
            total += deleted
            if deleted < batch_size:
                return total
