"""Which order-status changes the bridge refuses (contract §6, ``invalid_transition``).

PrestaShop itself accepts any status change, including posting the status an order already has — which repeats
the e-mail, the invoice and the stock re-injection. The bridge refuses exactly the transitions the contract
lists, nothing more:

1. to the state the order already has (same state id);
2. from a canceled or refunded order to anything but refunded (a refund of a canceled order stays possible);
3. backwards from delivered: a delivered order may only become refunded (or move to another state that is
   itself "delivered", e.g. a module's variant). Canceling a delivered order is refused too: the way back from
   a delivery is a refund.

The API runs this check before accepting a job (422 at once); the order-status workflow runs it again against
the order's fresh state just before writing, because the order may have moved in between.
"""

from __future__ import annotations

from collections.abc import Sequence

from bridge.errors import Unprocessable
from bridge.orders.states import CANCELED, DELIVERED, REFUNDED, status_name_of
from bridge.prestashop.models import OrderState


class InvalidTransition(Unprocessable):
    """The order may not move from its current state to the requested one."""

    default_code = "invalid_transition"


def _label(state_id: int, states: Sequence[OrderState]) -> str:
    for state in states:
        if state.id == state_id:
            text = state.name.get("en") or next(iter(state.name.values()), "")
            stable = status_name_of(state, states)
            return f"{state_id} ({text}{', ' + stable if stable else ''})"
    return str(state_id)


def check_transition(current_state_id: int, target: OrderState, states: Sequence[OrderState]) -> None:
    """Raise :class:`InvalidTransition` when an order in ``current_state_id`` may not move to ``target``."""
    if current_state_id == target.id:
        raise InvalidTransition(f"the order is already in state {_label(target.id, states)}")
    current = status_name_of(current_state_id, states)
    wanted = status_name_of(target, states)
    if current in (CANCELED, REFUNDED) and wanted != REFUNDED:
        raise InvalidTransition(
            f"the order is {current} (state {_label(current_state_id, states)}); it can only be refunded, "
            f"not moved to {_label(target.id, states)}"
        )
    if current == DELIVERED and wanted not in (REFUNDED, DELIVERED):
        raise InvalidTransition(
            f"the order is delivered (state {_label(current_state_id, states)}); moving it back to "
            f"{_label(target.id, states)} is refused: a delivered order can only be refunded"
        )
