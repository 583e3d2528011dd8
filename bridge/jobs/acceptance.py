"""Accepting a write: from a signed request body to a durable job and its workflow (contract sections 3 and 5).

The security gate has already checked size, token, scope, headers, timestamp, signature, rate limit and
decompression. :meth:`AcceptService.accept` does the rest, in the contract's order:

1. **schema** (400): :func:`bridge.jobs.schemas.parse_payload` → the canonical payload, then its fingerprint;
2. **idempotency** (200/202/409): Redis, then MySQL (:mod:`bridge.jobs.idempotency`); a known request id is
   answered as a replay or a conflict and nothing else happens. Otherwise the key is reserved;
3. imports: the **batch_id** (unique per client) — the same batch with the same content under a new request id
   is a replay of that job, different content is 409 ``batch_id_conflict``;
4. **business pre-check** against the store (422): the product exists and the stock delta keeps sellable stock
   at or above zero unless back-orders are allowed; the order exists and the transition is allowed. The store
   being unreachable is a 503 with ``Retry-After``. The workflow re-checks all of this before acting: the
   pre-check only spares the client a job that is certain to fail;
5. **accept**: one MySQL transaction inserts the job and completes the idempotency key; the dispatcher starts
   the workflow (a Temporal outage does not change the answer: the dispatcher's loop starts it later); 202.

Any error between the reservation and the accept transaction releases the reservation, so a client may retry
the same request id after a 422 or 503.
"""

from __future__ import annotations

from typing import Any

import anyio
import anyio.to_thread
import msgspec

from bridge.errors import Conflict, Unprocessable
from bridge.jobs.dispatcher import JobDispatcher
from bridge.jobs.fingerprint import request_fingerprint
from bridge.jobs.idempotency import BatchAlreadyUsed, IdempotencyKey, IdempotencyStore
from bridge.jobs.repository import JobRecord, JobRepository, NewJob
from bridge.jobs.resource import accepted_body, load_job_resource, status_url
from bridge.jobs.schemas import parse_payload
from bridge.jobs.store_access import store_errors_as_bridge_errors
from bridge.observability import BridgeMetrics
from bridge.orders.states import OrderStateCache, UnknownOrderState, resolve_target_state
from bridge.orders.transitions import check_transition
from bridge.prestashop.errors import StoreNotFound
from workflows.contracts import (
    KIND_IMPORT_PRODUCTS,
    KIND_UPDATE_ORDER_STATUS,
    KIND_UPDATE_PRODUCT,
    STATUS_ACCEPTED,
    STATUS_FAILED,
    STATUS_RUNNING,
)

POLL_RETRY_AFTER_SECONDS = 1
"""``Retry-After`` on a 202: a polling hint, not a promise."""
IN_PROGRESS_RETRY_AFTER_SECONDS = 1


class WriteAnswer(msgspec.Struct, frozen=True):
    """What the controller sends: 202 (accepted, or replay of a job still in flight) or 200 (completed replay)."""

    status_code: int
    body: dict[str, Any]
    headers: dict[str, str]


def accepted_answer(job: JobRecord) -> WriteAnswer:
    return WriteAnswer(
        202,
        accepted_body(job),
        {"Location": status_url(job.job_id), "Retry-After": str(POLL_RETRY_AFTER_SECONDS)},
    )


class AcceptService:
    """Turns a validated, authenticated write into a job. One instance per API process (built in the lifespan)."""

    def __init__(
        self,
        *,
        jobs: JobRepository,
        idempotency: IdempotencyStore,
        gateway: Any,
        order_states: OrderStateCache,
        dispatcher: JobDispatcher,
        metrics: BridgeMetrics | None = None,
    ) -> None:
        self.metrics = metrics
        self.jobs = jobs
        self.idempotency = idempotency
        self.gateway = gateway
        self.order_states = order_states
        self.dispatcher = dispatcher

    async def accept(
        self, *, client_id: str, request_id: str, kind: str, method: str, path: str, body: bytes
    ) -> WriteAnswer:
        payload = parse_payload(kind, body)
        fingerprint = request_fingerprint(method, path, payload)

        cached = await self.idempotency.cached(client_id, request_id)
        if cached is not None:
            if cached.fingerprint != fingerprint:
                raise self._key_reused()
            job = await anyio.to_thread.run_sync(self.jobs.get_for_client, cached.job_id, client_id)
            if job is not None:
                return await self._replay(job)

        existing = await anyio.to_thread.run_sync(self.idempotency.reserve, client_id, request_id, fingerprint)
        if existing is not None:
            return await self._answer_known_key(existing, fingerprint, client_id)

        # From here on this request owns the reservation: complete it with a job, or release it.
        completed = False
        try:
            if kind == KIND_IMPORT_PRODUCTS:
                batch_job = await anyio.to_thread.run_sync(self.jobs.get_by_batch, client_id, payload["batch_id"])
                if batch_job is not None:
                    answer = await self._replay_batch(batch_job, fingerprint)
                    await self._bind_to_existing(client_id, request_id, fingerprint, batch_job)
                    completed = True
                    return answer
            else:
                await self._pre_check(kind, payload)

            new = NewJob(
                client_id=client_id,
                kind=kind,
                request_id=request_id,
                payload=payload,
                fingerprint=fingerprint,
                batch_id=payload.get("batch_id") if kind == KIND_IMPORT_PRODUCTS else None,
            )
            row = self.jobs.insert_values(new)
            try:
                await anyio.to_thread.run_sync(
                    self.idempotency.complete_with_new_job, client_id, request_id, row
                )
            except BatchAlreadyUsed:
                # A concurrent request accepted this batch_id between our look-up and our insert.
                batch_job = await anyio.to_thread.run_sync(self.jobs.get_by_batch, client_id, payload["batch_id"])
                assert batch_job is not None
                answer = await self._replay_batch(batch_job, fingerprint)
                await self._bind_to_existing(client_id, request_id, fingerprint, batch_job)
                completed = True
                return answer
            completed = True
        finally:
            if not completed:
                with anyio.CancelScope(shield=True):  # release even when the request is being cancelled
                    await anyio.to_thread.run_sync(self.idempotency.release, client_id, request_id)

        job = await anyio.to_thread.run_sync(self.jobs.get, new.job_id)
        assert job is not None
        await self.idempotency.remember(client_id, request_id, fingerprint, job.job_id)
        await self.dispatcher.try_start(job)
        if self.metrics is not None:
            self.metrics.jobs_accepted.labels(kind).inc()
        return accepted_answer(job)

    # --- idempotency answers ------------------------------------------------------------------------------------
    async def _answer_known_key(self, key: IdempotencyKey, fingerprint: str, client_id: str) -> WriteAnswer:
        if key.fingerprint != fingerprint:
            raise self._key_reused()
        if key.job_id is None:
            raise Conflict(
                "the first request with this X-Request-ID is still being accepted; retry shortly",
                code="request_in_progress",
                headers={"Retry-After": str(IN_PROGRESS_RETRY_AFTER_SECONDS)},
            )
        job = await anyio.to_thread.run_sync(self.jobs.get_for_client, key.job_id, client_id)
        assert job is not None, "an idempotency key points to a job of its own client"
        await self.idempotency.remember(client_id, key.request_id, key.fingerprint, key.job_id, key.expires_at)
        return await self._replay(job)

    async def _bind_to_existing(self, client_id: str, request_id: str, fingerprint: str, job: JobRecord) -> None:
        await anyio.to_thread.run_sync(self.idempotency.complete_with_existing_job, client_id, request_id, job.job_id)
        await self.idempotency.remember(client_id, request_id, fingerprint, job.job_id)

    @staticmethod
    def _key_reused() -> Conflict:
        return Conflict(
            "this X-Request-ID was already used for a different request within the last 24 hours; "
            "send a new X-Request-ID for a new intention",
            code="idempotency_key_reused",
        )

    async def _replay(self, job: JobRecord) -> WriteAnswer:
        """Answer a replay from the job's current state; a replay never starts anything."""
        if job.status in (STATUS_ACCEPTED, STATUS_RUNNING):
            return accepted_answer(job)
        resource = await load_job_resource(self.jobs, job)
        if job.status == STATUS_FAILED:
            raise Conflict(
                "this request was already accepted and its job failed; the job resource says why. "
                "Send a new X-Request-ID to try again",
                code="job_failed_replay",
                extra={"job": resource},
            )
        return WriteAnswer(200, resource, {"Location": status_url(job.job_id)})

    async def _replay_batch(self, job: JobRecord, fingerprint: str) -> WriteAnswer:
        if job.fingerprint != fingerprint:
            raise Conflict(
                f"batch_id {job.batch_id!r} was already used by job {job.job_id} with different content; "
                "use a new batch_id for a new batch",
                code="batch_id_conflict",
            )
        return await self._replay(job)

    # --- business pre-check (422) -------------------------------------------------------------------------
    async def _pre_check(self, kind: str, payload: dict[str, Any]) -> None:
        with store_errors_as_bridge_errors():
            if kind == KIND_UPDATE_PRODUCT:
                await self._check_product_update(payload)
            elif kind == KIND_UPDATE_ORDER_STATUS:
                await self._check_order_status(payload)

    async def _check_product_update(self, payload: dict[str, Any]) -> None:
        product_id = payload["product_id"]
        try:
            product = await self.gateway.get_product(product_id)
        except StoreNotFound:
            raise Unprocessable(f"product {product_id} does not exist in the store", code="product_not_found") from None
        delta = payload["updates"].get("stock_delta")
        if delta is None or delta >= 0:
            return
        try:
            stock = product.stock or await self.gateway.get_stock(product_id)  # the product read carries its stock
        except StoreNotFound:
            raise Unprocessable(f"product {product_id} has no stock record in the store",
                                code="product_not_found") from None
        if stock.quantity + delta < 0 and not stock.allows_backorders:
            raise Unprocessable(
                f"a stock delta of {delta} would take product {product_id}'s sellable stock from "
                f"{stock.quantity} to {stock.quantity + delta}, and the product does not allow back-orders",
                code="insufficient_stock",
            )

    async def _check_order_status(self, payload: dict[str, Any]) -> None:
        order_id = payload["order_id"]
        try:
            order = await self.gateway.get_order(order_id)
        except StoreNotFound:
            raise Unprocessable(f"order {order_id} does not exist in the store", code="order_not_found") from None
        states = await self.order_states.get()
        try:
            target = resolve_target_state(payload["new_status"], states)
        except UnknownOrderState:
            # The cached list may predate a state an administrator just added: look once more.
            self.order_states.invalidate()
            states = await self.order_states.get()
            target = resolve_target_state(payload["new_status"], states)
        check_transition(order.current_state, target, states)
