"""``GET /v1/orders/{id}`` over real HTTP against the store simulator."""

from __future__ import annotations

import pytest

from bridge.store_simulator import SimulatorAdmin
from tests.support.signed_client import SignedClient


async def test_an_order_as_the_store_has_it(client: SignedClient) -> None:
    response = await client.get("/v1/orders/4")
    assert response.status_code == 200, response.text
    order = response.json()
    assert order["id"] == 4 and order["reference"] == "FFATNOMMJ"
    assert order["state"]["id"] == 4
    assert order["state"]["status"] == "shipped" and order["state"]["name"]
    assert order["customer_id"] == 2
    totals = order["totals"]
    assert set(totals) == {"paid_tax_excl", "paid_tax_incl", "products_tax_excl", "products_tax_incl",
                           "shipping_tax_excl", "shipping_tax_incl"}
    assert float(totals["paid_tax_incl"]) >= float(totals["paid_tax_excl"]) > 0
    assert [(row["product_id"], row["quantity"]) for row in order["rows"]] == [(19, 3)]
    assert order["carrier"]["tracking_number"] == "1Z999AA10123456784"
    assert order["date_add"]


async def test_state_names_follow_the_store(client: SignedClient) -> None:
    assert (await client.get("/v1/orders/1")).json()["state"]["status"] == "canceled"
    assert (await client.get("/v1/orders/2")).json()["state"]["status"] == "awaiting_payment"


async def test_unknown_order_is_404(client: SignedClient) -> None:
    response = await client.get("/v1/orders/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"


@pytest.mark.parametrize("raw", ["0", "x", "4.0", "-4"])
async def test_an_id_that_is_not_a_positive_integer_is_400(client: SignedClient, raw: str) -> None:
    response = await client.get(f"/v1/orders/{raw}")
    assert response.status_code == 400 and response.json()["code"] == "invalid_id"


async def test_store_unreachable_is_503(client: SignedClient, store_admin: SimulatorAdmin) -> None:
    store_admin.set_faults(unreachable=True)
    response = await client.get("/v1/orders/4")
    store_admin.clear_faults()
    assert response.status_code == 503 and response.json()["code"] == "store_unavailable"
    assert int(response.headers["retry-after"]) > 0
