"""Order activities: change an order's status once, store its tracking number.

Exactly-once for the status (contract §5): PrestaShop accepts the same status twice and then repeats the
e-mail, the invoice and the stock re-injection. So the activity:

1. resolves the target state (stable name or id) through the store's order states;
2. reads the order **fresh** and re-checks the transition (``invalid_transition`` — the API checked at accept time,
   but the order may have moved since);
3. records the plan ``{from, to}`` in the ledger, then posts the history row;
4. on a retry, finds the plan: the order already in the target state means the earlier post landed → success
   without posting; still in the planned ``from`` state → the post did not land → post now; anything else →
   someone moved the order meanwhile → ``invalid_transition``.

The tracking number is an absolute value and is only written when the carrier record does not already hold
it, so a retry never re-sends the "in transit" e-mail.
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from temporalio import activity

from activities.heartbeat import heartbeating
from activities.resources import ActivityResources
from activities.store_errors import business_error, store_errors
from bridge.jobs.schemas import UpdateOrderStatusPayload
from bridge.orders.states import UnknownOrderState, find_state, resolve_target_state, status_name_of
from bridge.orders.transitions import InvalidTransition, check_transition
from bridge.prestashop import OrderState
from workflows.activity_contracts import (
    APPLY_ORDER_STATUS,
    APPLY_TRACKING_NUMBER,
    ERR_INVALID_TRANSITION,
    ERR_NO_ORDER_CARRIER,
    ERR_ORDER_NOT_FOUND,
    ERR_UNKNOWN_ORDER_STATE,
    OrderStatusInput,
    OrderStatusResult,
    TrackingInput,
    TrackingResult,
)

EFFECT_ORDER_STATE = "order_state"
EFFECT_TRACKING = "tracking_number"


def _order_not_found(order_id: int) -> tuple[str, str]:
    return ERR_ORDER_NOT_FOUND, f"order {order_id} does not exist in the store"


def describe_state(state_id: int, states: list[OrderState]) -> dict[str, Any]:
    """``{"id", "name", "status"}`` for a job result (name in English when the store has it)."""
    state = find_state(state_id, states)
    name = "" if state is None else (state.name.get("en") or next(iter(state.name.values()), ""))
    return {"id": state_id, "name": name, "status": status_name_of(state_id, states)}


class OrderActivities:
    def __init__(self, resources: ActivityResources) -> None:
        self._r = resources

    async def _target(self, new_status: int | str) -> tuple[OrderState, list[OrderState]]:
        states = await self._r.order_states.get()
        try:
            return resolve_target_state(new_status, states), states
        except UnknownOrderState:
            # The cache may predate a state an admin just added: look once more, fresh.
            self._r.order_states.invalidate()
            states = await self._r.order_states.get()
            try:
                return resolve_target_state(new_status, states), states
            except UnknownOrderState as exc:
                raise business_error(ERR_UNKNOWN_ORDER_STATE, exc.detail) from None

    @activity.defn(name=APPLY_ORDER_STATUS)
    async def apply_order_status(self, request: OrderStatusInput) -> OrderStatusResult:
        payload = msgspec.convert(request.payload, UpdateOrderStatusPayload)
        order_id, notify = payload.order_id, payload.notify_customer
        ledger, gateway, job_id = self._r.ledger, self._r.gateway, request.job_id
        async with heartbeating():
            attempt = activity.info().attempt
            if attempt > 1:
                await asyncio.to_thread(self._r.jobs.note_attempt, job_id, attempt)
            effect = await asyncio.to_thread(ledger.get_effect, job_id, EFFECT_ORDER_STATE)
            with store_errors(not_found=_order_not_found(order_id)):
                target, states = await self._target(payload.new_status)
                if effect is not None:
                    target = find_state(int(effect.data["to"]), states) or target  # the decision taken once
                if effect is not None and effect.applied:
                    return self._result(order_id, effect.data, states, posted=True)
                order = await gateway.get_order(order_id)
            current = order.current_state
            if effect is not None:
                planned_from, planned_to = int(effect.data["from"]), int(effect.data["to"])
                if current == planned_to:
                    # The earlier attempt's post landed; posting again would repeat e-mails and stock moves.
                    await asyncio.to_thread(ledger.mark_applied, job_id, EFFECT_ORDER_STATE,
                                            {"confirmed_on_retry": True})
                    return self._result(order_id, effect.data, states, posted=False)
                if current != planned_from:
                    raise business_error(
                        ERR_INVALID_TRANSITION,
                        f"order {order_id} moved from state {planned_from} to {current} while this job was "
                        f"changing it to {planned_to}; nothing more was posted",
                    )
            else:
                try:
                    check_transition(current, target, states)
                except InvalidTransition as exc:
                    raise business_error(ERR_INVALID_TRANSITION, f"order {order_id}: {exc.detail}") from None
                effect = await asyncio.to_thread(
                    ledger.plan_effect, job_id, EFFECT_ORDER_STATE,
                    {"from": current, "to": target.id, "notify_customer": notify},
                )
            with store_errors(not_found=_order_not_found(order_id)):
                history_id = await gateway.add_order_history(order_id, int(effect.data["to"]), send_email=notify)
            self._r.store_write_done(job_id, EFFECT_ORDER_STATE)
            await asyncio.to_thread(ledger.mark_applied, job_id, EFFECT_ORDER_STATE, {"history_id": history_id})
            return self._result(order_id, effect.data, states, posted=True)

    @staticmethod
    def _result(order_id: int, data: dict[str, Any], states: list[OrderState], *, posted: bool) -> OrderStatusResult:
        target = find_state(int(data["to"]), states)
        notified = bool(data.get("notify_customer")) and bool(target and target.send_email)
        return OrderStatusResult(
            order_id=order_id,
            previous_state=describe_state(int(data["from"]), states),
            new_state=describe_state(int(data["to"]), states),
            history_posted=posted,
            customer_notified=notified,
        )

    @activity.defn(name=APPLY_TRACKING_NUMBER)
    async def apply_tracking_number(self, request: TrackingInput) -> TrackingResult:
        ledger, gateway, job_id = self._r.ledger, self._r.gateway, request.job_id
        async with heartbeating():
            with store_errors(not_found=_order_not_found(request.order_id)):
                carrier = await gateway.get_order_carrier(request.order_id)
                if carrier is None:
                    raise business_error(ERR_NO_ORDER_CARRIER,
                                         f"order {request.order_id} has no carrier record to hold a tracking number")
                # Remember the number it replaces once, so a retry still reports the true previous value.
                effect = await asyncio.to_thread(
                    ledger.plan_effect, job_id, EFFECT_TRACKING,
                    {"order_carrier_id": carrier.id, "previous": carrier.tracking_number,
                     "tracking_number": request.tracking_number},
                )
                written = False
                if carrier.tracking_number != request.tracking_number:
                    await gateway.set_tracking_number(carrier.id, request.tracking_number,
                                                      send_email=request.notify_customer)
                    written = True
                    self._r.store_write_done(job_id, EFFECT_TRACKING)
                await asyncio.to_thread(ledger.mark_applied, job_id, EFFECT_TRACKING)
            return TrackingResult(order_carrier_id=carrier.id, tracking_number=request.tracking_number,
                                  previous=effect.data.get("previous"), written=written)

