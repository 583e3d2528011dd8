"""The bridge's stable order-status names, resolved through the store's own order states at run time.

Why not a table of ids? PrestaShop's order states are rows an administrator or a payment module can add,
rename or delete; only the 13 installed by default have well-known ids (1–13), and even those differ from shop
to shop after migrations. The contract (§6) therefore says: *names resolve through the store's own order-state
flags, not hard-coded ids*. Numeric ids are accepted too, for states the names do not cover.

How a state is classified (:func:`classify_state`)
--------------------------------------------------
PrestaShop's flags alone cannot tell the default states apart: "Shipped" and "Delivered" carry the same flags
(``paid shipped delivery logable``), and "Awaiting check payment", "Canceled", "Payment error" and "On
backorder (not paid)" carry none. (Note that ``delivery`` means "show the delivery slip", set from "Processing
in progress" on — it does *not* mean delivered.) So a state is classified by its **names in every language**
(lower-cased, accents stripped) **constrained by its flags**, first rule that matches wins:

================  ======================================================  ==================================
stable name       name contains (any language)                            flags required
================  ======================================================  ==================================
refunded          refund / rembours / reembols / erstatt / rimbors        – (a "partial" refund is not one)
canceled          cancel / annul / storn / anulad                         not paid, not shipped
payment_error     a payment word *and* error / failed / refused / …       not paid
backorder         backorder / back order / out of stock / réappro…        not shipped
delivered         deliver / livré / geliefert / zugestellt / entregad…    shipped
shipped           (anything else)                                         shipped
processing        processing / preparation / in progress / en cours …     not shipped (or: paid + delivery)
payment_accepted  –                                                       paid, logable, not shipped,
                                                                          not delivery
awaiting_payment  await / attente / pending / warte / pendiente / attesa  not paid, not shipped
================  ======================================================  ==================================

On the 13 default states this gives: 1, 10, 13 → awaiting_payment; 2, 11 → payment_accepted; 3 → processing;
4 → shipped; 5 → delivered; 6 → canceled; 7 → refunded; 8 → payment_error; 9, 12 → backorder. A state added by
a module is classified by the same rules (e.g. "Delivered to pick-up point" with the shipped flag → delivered;
"In transit" with the shipped flag → shipped); a state no rule matches has no stable name and is reachable by
its numeric id only. Deleted states (``deleted`` flag) never resolve.

How a name resolves (:func:`resolve_target_state`)
--------------------------------------------------
Several states may share a stable name (awaiting cheque, bank wire or cash-on-delivery are all
``awaiting_payment``). A name resolves to the **lowest id** among them: PrestaShop's own default state comes
first, so a module's look-alike never shadows it, and the answer is stable across calls. Callers who want a
specific one (e.g. "On backorder (not paid)", id 12) pass its id.
"""

from __future__ import annotations

import asyncio
import time
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Protocol

from bridge.errors import Unprocessable
from bridge.prestashop.models import OrderState

AWAITING_PAYMENT = "awaiting_payment"
PAYMENT_ACCEPTED = "payment_accepted"
PROCESSING = "processing"
SHIPPED = "shipped"
DELIVERED = "delivered"
CANCELED = "canceled"
REFUNDED = "refunded"
PAYMENT_ERROR = "payment_error"
BACKORDER = "backorder"

STABLE_STATUS_NAMES: tuple[str, ...] = (
    AWAITING_PAYMENT,
    PAYMENT_ACCEPTED,
    PROCESSING,
    SHIPPED,
    DELIVERED,
    CANCELED,
    REFUNDED,
    PAYMENT_ERROR,
    BACKORDER,
)
"""The names the contract (§6) lets a client use for ``new_status``."""


class UnknownOrderState(Unprocessable):
    """``new_status`` names no order state of this store (unknown id, deleted state, or no state has that name)."""

    default_code = "unknown_order_state"


# --- classification ------------------------------------------------------------------------------------------
# Keywords are matched against names lower-cased with accents stripped (see _normalise). English comes first:
# it is the language every PrestaShop install has; the others cover the common shop languages.
_REFUND = ("refund", "rembours", "reembols", "erstatt", "rimbors", "terugbetaal")
_PARTIAL = ("partial", "partiel", "parcial", "teilweise", "parzial", "gedeeltelijk")
_CANCEL = ("cancel", "annul", "storn", "anulad")
_PAYMENT = ("payment", "paiement", "zahlung", "pago", "pagamento", "betaling")
_ERROR = ("error", "erreur", "fehler", "errore", "fail", "echec", "refus", "declin", "reject", "rechaz", "fallid")
_BACKORDER = (
    "backorder", "back order", "back-order", "out of stock", "reapprovisionnement", "nicht auf lager",
    "lieferruckstand", "falta de stock", "riassortimento",
)
_DELIVERED = ("deliver", "livre", "geliefert", "zugestellt", "entregad", "consegnat", "afgeleverd", "bezorgd")
_PROCESSING = (
    "processing", "preparation", "in progress", "en cours", "bearbeitung", "vorbereitung", "en proceso",
    "preparacion", "preparazione", "in lavorazione", "in behandeling",
)
_AWAITING = ("await", "waiting", "pending", "attente", "warte", "pendiente", "esperando", "attesa", "afwachting")


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _names_of(state: OrderState) -> list[str]:
    return [_normalise(v) for v in state.name.values() if v]


def _mentions(names: Sequence[str], keywords: Sequence[str]) -> bool:
    return any(keyword in name for name in names for keyword in keywords)


def classify_state(state: OrderState) -> str | None:
    """The stable status name of one order state, or None when no rule matches (see the module docstring)."""
    if state.deleted:
        return None
    names = _names_of(state)
    if _mentions(names, _REFUND):
        return None if _mentions(names, _PARTIAL) else REFUNDED
    if _mentions(names, _CANCEL) and not state.paid and not state.shipped:
        return CANCELED
    if _mentions(names, _PAYMENT) and _mentions(names, _ERROR) and not state.paid:
        return PAYMENT_ERROR
    if _mentions(names, _BACKORDER) and not state.shipped:
        return BACKORDER
    if state.shipped:
        return DELIVERED if _mentions(names, _DELIVERED) else SHIPPED
    if _mentions(names, _PROCESSING) or (state.paid and state.delivery):
        return PROCESSING
    if state.paid and state.logable and not state.delivery:
        return PAYMENT_ACCEPTED
    if not state.paid and _mentions(names, _AWAITING):
        return AWAITING_PAYMENT
    return None


# --- look-ups ------------------------------------------------------------------------------------------------
def find_state(state_id: int, states: Iterable[OrderState]) -> OrderState | None:
    """The state with this id (deleted or not), or None."""
    for state in states:
        if state.id == state_id:
            return state
    return None


def status_name_of(state: OrderState | int, states: Iterable[OrderState]) -> str | None:
    """The stable name of ``state`` (a state or its id, looked up in ``states``); None when it has none."""
    if isinstance(state, int):
        found = find_state(state, states)
        if found is None:
            return None
        state = found
    return classify_state(state)


def _as_state_id(value: int | str) -> int | None:
    if isinstance(value, bool):  # bool is an int subclass: True is not order state 1
        return None
    if isinstance(value, int):
        return value
    text = value.strip()
    return int(text) if text.isdigit() else None


def resolve_target_state(new_status: int | str, states: Sequence[OrderState]) -> OrderState:
    """The order state ``new_status`` designates: a numeric id (int or digit string) or a stable name.

    Raises :class:`UnknownOrderState` (422) for an id the store lacks or has deleted, an unknown name, or a
    name no state of this store carries. Several states with one name: the lowest id wins (module docstring).
    """
    state_id = _as_state_id(new_status)
    if state_id is not None:
        state = find_state(state_id, states)
        if state is None or state.deleted:
            raise UnknownOrderState(f"the store has no order state with id {state_id}")
        return state
    name = str(new_status).strip()
    if name not in STABLE_STATUS_NAMES:
        raise UnknownOrderState(
            f"{name!r} is neither an order state id nor one of {', '.join(STABLE_STATUS_NAMES)}"
        )
    candidates = sorted((s for s in states if classify_state(s) == name), key=lambda s: s.id)
    if not candidates:
        raise UnknownOrderState(f"no order state of this store is recognised as {name!r}; pass its numeric id")
    return candidates[0]


# --- cache ---------------------------------------------------------------------------------------------------
class _OrderStateSource(Protocol):
    def order_states(self) -> Awaitable[list[OrderState]]: ...


class OrderStateCache:
    """The store's order states, fetched at most once per ``ttl_seconds``.

    Order states change rarely (an admin or a module adds one), and both the API's pre-check and every order
    workflow need them, so a short TTL saves a webservice call per request while a new state is still picked
    up within a minute. Concurrent callers share one fetch (the lock), so an expiry never stampedes the store.
    The current state of an *order* is never cached: callers read the order fresh.
    """

    def __init__(
        self,
        gateway: _OrderStateSource,
        ttl_seconds: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._gateway = gateway
        self._ttl = ttl_seconds
        self._clock = clock
        self._states: list[OrderState] | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        return self._states is not None and self._clock() - self._fetched_at < self._ttl

    async def get(self) -> list[OrderState]:
        if self._fresh():
            assert self._states is not None
            return self._states
        async with self._lock:
            if not self._fresh():  # another caller may have refreshed while we waited
                self._states = list(await self._gateway.order_states())
                self._fetched_at = self._clock()
            assert self._states is not None
            return self._states

    def invalidate(self) -> None:
        """Forget the states (e.g. after a target id was not found: a state may have been added since)."""
        self._states = None
