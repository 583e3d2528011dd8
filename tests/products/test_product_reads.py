"""``GET /v1/products/{id}`` over real HTTP against the store simulator."""

from __future__ import annotations

import pytest

from bridge.store_simulator import SimulatorAdmin
from tests.support.signed_client import SignedClient


async def test_a_product_as_the_store_has_it(client: SignedClient) -> None:
    response = await client.get("/v1/products/19")
    assert response.status_code == 200, response.text
    product = response.json()
    assert product["id"] == 19
    assert product["name"]["en"] == "Customizable mug" and product["name"]["fr"] == "Mug personnalisable"
    assert product["price_ht"] == "13.9"
    assert product["price_tax_incl"] is not None  # computed by the store, read-only information
    assert isinstance(product["tax_rules_group_id"], int)
    assert product["stock"]["quantity"] >= 0
    assert product["stock"]["out_of_stock"] in {"deny", "allow", "shop_default"}
    assert isinstance(product["stock"]["allows_backorders"], bool)
    assert set(product["seo"]) == {"meta_title", "meta_description", "link_rewrite"}
    assert isinstance(product["active"], bool)


async def test_unknown_product_is_404(client: SignedClient) -> None:
    response = await client.get("/v1/products/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "product_not_found"


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "1.5", "019", "99999999999"])
async def test_an_id_that_is_not_a_positive_integer_is_400(client: SignedClient, raw: str) -> None:
    response = await client.get(f"/v1/products/{raw}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_id"


async def test_store_unreachable_is_503_with_retry_after(client: SignedClient, store_admin: SimulatorAdmin) -> None:
    store_admin.set_faults(unreachable=True)
    response = await client.get("/v1/products/19")
    store_admin.clear_faults()
    assert response.status_code == 503
    assert response.json()["code"] == "store_unavailable"
    assert int(response.headers["retry-after"]) > 0
    assert (await client.get("/v1/products/19")).status_code == 200  # and back once the store is


async def test_store_errors_are_503(client: SignedClient, store_admin: SimulatorAdmin) -> None:
    store_admin.set_faults(fail_next=10, error_status=502)  # beyond the gateway's GET retries
    response = await client.get("/v1/products/19")
    store_admin.clear_faults()
    assert response.status_code == 503
    assert response.json()["code"] == "store_unavailable"
