"""Stable status names and refused transitions, on the 13 default states and on states added by modules."""

from __future__ import annotations

import asyncio

import pytest

from bridge.orders.states import (
    OrderStateCache,
    UnknownOrderState,
    classify_state,
    resolve_target_state,
    status_name_of,
)
from bridge.orders.transitions import InvalidTransition, check_transition
from bridge.prestashop.models import OrderState

State = OrderState


def _s(state_id: int, en: str, fr: str, flags: str = "") -> State:
    kwargs = {flag: True for flag in flags.split()}
    return State(id=state_id, name={"en": en, "fr": fr}, **kwargs)


# PrestaShop 9's install data (install-dev/data/xml/order_state.xml and langs/*/data/order_state.xml).
DEFAULT_STATES = [
    _s(1, "Awaiting check payment", "En attente du paiement par chèque", "send_email"),
    _s(2, "Payment accepted", "Paiement accepté", "send_email logable invoice paid"),
    _s(3, "Processing in progress", "En cours de préparation", "send_email logable invoice paid delivery"),
    _s(4, "Shipped", "Expédié", "send_email logable invoice paid delivery shipped"),
    _s(5, "Delivered", "Livré", "logable invoice paid delivery shipped"),
    _s(6, "Canceled", "Annulé", "send_email"),
    _s(7, "Refunded", "Remboursé", "send_email invoice"),
    _s(8, "Payment error", "Erreur de paiement", "send_email"),
    _s(9, "On backorder (paid)", "En attente de réapprovisionnement (payé)", "send_email invoice paid"),
    _s(10, "Awaiting bank wire payment", "En attente de virement bancaire", "send_email"),
    _s(11, "Remote payment accepted", "Paiement à distance accepté", "send_email logable invoice paid"),
    _s(12, "On backorder (not paid)", "En attente de réapprovisionnement (non payé)", "send_email"),
    _s(13, "Awaiting Cash On Delivery validation", "En attente de validation du paiement à la livraison", ""),
]

EXPECTED = {
    1: "awaiting_payment", 2: "payment_accepted", 3: "processing", 4: "shipped", 5: "delivered", 6: "canceled",
    7: "refunded", 8: "payment_error", 9: "backorder", 10: "awaiting_payment", 11: "payment_accepted",
    12: "backorder", 13: "awaiting_payment",
}


def test_every_default_state_gets_its_stable_name() -> None:
    assert {s.id: classify_state(s) for s in DEFAULT_STATES} == EXPECTED


def test_french_names_alone_classify_the_same() -> None:
    french_only = [State(id=s.id, name={"fr": s.name["fr"]}, paid=s.paid, shipped=s.shipped, delivery=s.delivery,
                         logable=s.logable, invoice=s.invoice) for s in DEFAULT_STATES]
    assert {s.id: classify_state(s) for s in french_only} == EXPECTED


@pytest.mark.parametrize(
    ("name", "expected_id"),
    [("awaiting_payment", 1), ("payment_accepted", 2), ("processing", 3), ("shipped", 4), ("delivered", 5),
     ("canceled", 6), ("refunded", 7), ("payment_error", 8), ("backorder", 9)],
)
def test_names_resolve_to_the_lowest_matching_id(name: str, expected_id: int) -> None:
    assert resolve_target_state(name, DEFAULT_STATES).id == expected_id


def test_numeric_ids_resolve_as_int_or_digit_string() -> None:
    assert resolve_target_state(12, DEFAULT_STATES).id == 12
    assert resolve_target_state("12", DEFAULT_STATES).id == 12


@pytest.mark.parametrize("value", [99, "99", "teleported", True, ""])
def test_unknown_targets_raise(value: object) -> None:
    with pytest.raises(UnknownOrderState) as info:
        resolve_target_state(value, DEFAULT_STATES)  # type: ignore[arg-type]
    assert info.value.code == "unknown_order_state" and info.value.status == 422


def test_deleted_states_never_resolve() -> None:
    states = [*DEFAULT_STATES[:4], State(id=5, name={"en": "Delivered"}, paid=True, shipped=True, delivery=True,
                                         logable=True, deleted=True)]
    with pytest.raises(UnknownOrderState):
        resolve_target_state("delivered", states)
    with pytest.raises(UnknownOrderState):
        resolve_target_state(5, states)


def test_module_states_are_classified_but_never_shadow_defaults() -> None:
    pickup = _s(20, "Delivered to pick-up point", "Livré en point relais", "logable paid delivery shipped")
    transit = _s(21, "In transit", "En transit", "logable paid delivery shipped")
    paypal_wait = _s(22, "Awaiting PayPal payment", "En attente de paiement PayPal", "")
    partial = _s(23, "Partial refund", "Remboursement partiel", "invoice paid")
    states = [*DEFAULT_STATES, pickup, transit, paypal_wait, partial]
    assert classify_state(pickup) == "delivered"
    assert classify_state(transit) == "shipped"
    assert classify_state(paypal_wait) == "awaiting_payment"
    assert classify_state(partial) is None  # a partial refund is not the terminal "refunded"
    assert resolve_target_state("delivered", states).id == 5
    assert resolve_target_state("delivered", [s for s in states if s.id != 5]).id == 20
    assert status_name_of(20, states) == "delivered"
    assert status_name_of(999, states) is None


def test_a_store_without_a_matching_state_refuses_the_name() -> None:
    with pytest.raises(UnknownOrderState, match="pass its numeric id"):
        resolve_target_state("refunded", [s for s in DEFAULT_STATES if s.id != 7])


# --- transitions ------------------------------------------------------------------------------------------------
def _target(state_id: int) -> State:
    return next(s for s in DEFAULT_STATES if s.id == state_id)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (2, 2),  # the state the order already has
        (6, 2), (6, 1), (6, 5),  # canceled: only refunded
        (7, 2), (7, 6),  # refunded: nothing but refunded
        (5, 4), (5, 3), (5, 2), (5, 1), (5, 6),  # backwards from delivered
    ],
)
def test_refused_transitions(current: int, target: int) -> None:
    with pytest.raises(InvalidTransition) as info:
        check_transition(current, _target(target), DEFAULT_STATES)
    assert info.value.code == "invalid_transition" and info.value.status == 422
    assert str(current) in info.value.detail


@pytest.mark.parametrize(
    ("current", "target"),
    [(1, 2), (2, 3), (3, 4), (4, 5), (2, 6), (6, 7), (5, 7), (4, 3), (8, 2), (9, 4), (12, 6), (99, 2)],
)
def test_allowed_transitions(current: int, target: int) -> None:
    check_transition(current, _target(target), DEFAULT_STATES)


def test_refunded_to_another_refund_state_is_allowed() -> None:
    store_credit = _s(30, "Refunded (store credit)", "Remboursé (avoir)", "invoice")
    check_transition(7, store_credit, [*DEFAULT_STATES, store_credit])


# --- cache ------------------------------------------------------------------------------------------------------
class CountingSource:
    def __init__(self) -> None:
        self.calls = 0

    async def order_states(self) -> list[State]:
        self.calls += 1
        await asyncio.sleep(0)
        return list(DEFAULT_STATES)


async def test_cache_fetches_once_per_ttl_and_shares_one_fetch() -> None:
    now = [0.0]
    source = CountingSource()
    cache = OrderStateCache(source, ttl_seconds=60, clock=lambda: now[0])  # type: ignore[arg-type]
    results = await asyncio.gather(*(cache.get() for _ in range(5)))
    assert source.calls == 1 and all(len(r) == 13 for r in results)
    now[0] = 59.0
    await cache.get()
    assert source.calls == 1
    now[0] = 61.0
    await cache.get()
    assert source.calls == 2
    cache.invalidate()
    await cache.get()
    assert source.calls == 3
