"""``GET /v1/orders/{id}``: one order, read synchronously from the store through the gateway.

The state is given three ways: PrestaShop's id, its name in the shop's default language, and the bridge's
stable status name (``shipped``, ``delivered``...; ``null`` for a state no stable name covers), the same names
``update_order_status`` accepts. Amounts are decimal strings. ``date_add``/``date_upd`` are the store's own
timestamps, in the store's time zone, as PrestaShop gives them.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.di import Provide
from litestar.params import FromPath

from bridge.api.resources import InjectedResources
from bridge.auth import InjectedClient, provide_client
from bridge.errors import NotFound
from bridge.jobs.store_access import parse_store_id, store_errors_as_bridge_errors
from bridge.orders.states import status_name_of
from bridge.prestashop.errors import StoreNotFound
from bridge.prestashop.models import Order, OrderState
from bridge.products.endpoints import money


def order_resource(order: Order, states: list[OrderState]) -> dict[str, Any]:
    return {
        "id": order.id,
        "reference": order.reference,
        "state": {
            "id": order.current_state,
            "name": order.state_name,
            "status": status_name_of(order.current_state, states),
        },
        "customer_id": order.id_customer,
        "payment": order.payment,
        "totals": {
            "paid_tax_excl": money(order.total_paid_tax_excl),
            "paid_tax_incl": money(order.total_paid_tax_incl),
            "products_tax_excl": money(order.total_products),
            "products_tax_incl": money(order.total_products_wt),
            "shipping_tax_excl": money(order.total_shipping_tax_excl),
            "shipping_tax_incl": money(order.total_shipping),
        },
        "rows": [
            {
                "product_id": row.product_id,
                "product_attribute_id": row.product_attribute_id,
                "reference": row.product_reference,
                "name": row.product_name,
                "quantity": row.quantity,
                "unit_price_tax_excl": money(row.unit_price_tax_excl),
                "unit_price_tax_incl": money(row.unit_price_tax_incl),
            }
            for row in order.rows
        ],
        "carrier": {"id": order.id_carrier or None, "tracking_number": order.tracking_number},
        "date_add": order.date_add or None,
        "date_upd": order.date_upd or None,
    }


class OrdersController(Controller):
    path = "/v1/orders"
    tags = ["orders"]
    dependencies = {"client": Provide(provide_client, sync_to_thread=False)}

    @get("/{order_id:str}", summary="get_order",
         description="An order as the store has it now: reference, state (id, name, bridge status name), "
                     "customer, totals tax excluded and included, rows, carrier and tracking number, dates.")
    async def get_order(self, order_id: FromPath[str], client: InjectedClient, resources: InjectedResources) -> dict[str, Any]:
        wanted = parse_store_id(order_id, "id")
        with store_errors_as_bridge_errors():
            try:
                order = await resources.gateway.get_order(wanted)
            except StoreNotFound:
                raise NotFound(f"order {wanted} does not exist", code="order_not_found") from None
            states = await resources.order_states.get()
        return order_resource(order, states)
