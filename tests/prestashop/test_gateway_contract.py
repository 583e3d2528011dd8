"""The gateway's contract suite: reads, every write and every error class, end to end over HTTP.

Each test runs against the simulator and, when PRESTASHOP_URL/PRESTASHOP_KEY are set, against a real store.
Tests that need fault injection or effect counts skip on a real store (it has no /__simulator__ endpoints).
Writes on a real store use fresh references or restore what they changed.
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from bridge.prestashop import (
    NewProduct,
    PrestaShopGateway,
    StoreAuthError,
    StoreDisabled,
    StoreNotFound,
    StoreTransientError,
    StoreUnexpectedError,
    StoreValidationError,
    is_valid_tracking_number,
)

if TYPE_CHECKING:  # the fixture's class, for annotations only (conftest modules are not importable by name)
    from conftest import Store  # type: ignore[import-not-found]

pytestmark = pytest.mark.timeout(60)


def unique_reference() -> str:
    return f"CT-{uuid.uuid4().hex[:12]}"


# reads ----------------------------------------------------------------------------------------------------------
async def test_languages_are_listed_with_iso_codes(gateway: PrestaShopGateway) -> None:
    languages = await gateway.languages()
    assert any(lang.iso_code == "en" for lang in languages)
    assert all(isinstance(lang.id, int) and lang.id > 0 for lang in languages)


async def test_get_product_normalises_numbers_languages_stock_and_tax_included_price(
        gateway: PrestaShopGateway) -> None:
    product = await gateway.get_product(19)
    assert product.id == 19
    assert product.name["en"] == "Customizable mug"
    assert isinstance(product.price_ht, Decimal) and product.price_ht > 0
    assert product.price_tax_incl is not None and product.price_tax_incl >= product.price_ht
    assert isinstance(product.active, bool) and product.active
    assert product.stock is not None and isinstance(product.stock.quantity, int)
    assert product.stock.id_product == 19 and product.stock.id_product_attribute == 0
    assert isinstance(product.weight, Decimal)
    assert product.category_ids and all(isinstance(c, int) for c in product.category_ids)
    assert set(product.link_rewrite) == set(product.name)


async def test_simulated_tax_included_price_follows_tax_rules_group_1(store: Store,
                                                                    gateway: PrestaShopGateway) -> None:
    store.require_admin()
    product = await gateway.get_product(19)
    assert product.id_tax_rules_group == 1
    assert product.price_tax_incl == (product.price_ht * Decimal("1.2")).quantize(Decimal("0.000001"))


async def test_unknown_product_is_not_found_and_not_retryable(gateway: PrestaShopGateway) -> None:
    with pytest.raises(StoreNotFound) as caught:
        await gateway.get_product(987654)
    assert caught.value.retryable is False


async def test_find_products_by_reference(gateway: PrestaShopGateway) -> None:
    product = await gateway.get_product(19)
    assert 19 in await gateway.find_products_by_reference(product.reference)
    # the store answers a bare [] for an empty list
    assert await gateway.find_products_by_reference(unique_reference()) == []


async def test_order_states_carry_their_flags(gateway: PrestaShopGateway) -> None:
    states = {s.id: s for s in await gateway.order_states()}
    assert set(range(1, 14)) <= set(states)
    assert states[2].paid and not states[2].shipped
    assert states[4].shipped and states[4].paid
    assert states[5].delivery and states[5].shipped
    assert not states[6].paid and not states[6].shipped
    assert states[2].name.get("en")


async def test_get_order_has_rows_state_name_totals_and_carrier(gateway: PrestaShopGateway) -> None:
    order = await gateway.get_order(1)
    assert order.id == 1 and len(order.reference) == 9
    assert order.rows and all(row.quantity > 0 and row.product_id > 0 for row in order.rows)
    assert order.state_name and order.state_names.get("en") == order.state_name
    assert isinstance(order.total_paid_tax_incl, Decimal) and order.total_paid_tax_incl >= order.total_paid_tax_excl
    assert order.order_carrier_id is not None
    carrier = await gateway.get_order_carrier(1)
    assert carrier is not None and carrier.id == order.order_carrier_id and carrier.id_order == 1


async def test_unknown_order_is_not_found(gateway: PrestaShopGateway) -> None:
    with pytest.raises(StoreNotFound):
        await gateway.get_order(987654)


async def test_order_without_carrier_record_has_none(store: Store, gateway: PrestaShopGateway) -> None:
    admin = store.require_admin()
    carrier = await gateway.get_order_carrier(5)
    assert carrier is not None
    admin.delete_object("order_carriers", carrier.id)
    assert await gateway.get_order_carrier(5) is None  # the store's bare [] becomes None
    order = await gateway.get_order(5)
    assert order.order_carrier_id is None and order.tracking_number is None


async def test_search_indexation_setting_is_read(store: Store, gateway: PrestaShopGateway) -> None:
    assert await gateway.search_indexation_enabled() in (True, False)
    if store.admin is not None:
        assert await gateway.search_indexation_enabled() is True
        store.admin.settings(search_indexation=False)
        async with store.gateway() as fresh:  # the setting is cached per gateway
            assert await fresh.search_indexation_enabled() is False


# writes ---------------------------------------------------------------------------------------------------------
async def test_patch_price_changes_only_the_price(store: Store, gateway: PrestaShopGateway) -> None:
    before = await gateway.get_product(19)
    new_price = before.price_ht + Decimal("1.25")
    try:
        await gateway.patch_product(19, price_ht=new_price)
        after = await gateway.get_product(19)
        assert after.price_ht == new_price
        assert after.price_tax_incl is not None and after.price_tax_incl > after.price_ht
        # PATCH leaves every other field alone (a PUT would have nulled them)
        assert (after.name, after.active, after.visibility, after.reference, after.link_rewrite) == (
            before.name, before.active, before.visibility, before.reference, before.link_rewrite)
        assert after.stock is not None and before.stock is not None
        assert after.stock.quantity == before.stock.quantity
    finally:
        await gateway.patch_product(19, price_ht=before.price_ht)


async def test_patch_seo_in_one_language_keeps_the_others(gateway: PrestaShopGateway) -> None:
    before = await gateway.get_product(19)
    title = f"Mug & co — {uuid.uuid4().hex[:6]}"
    try:
        await gateway.patch_product(19, seo={"meta_title": {"en": title}, "link_rewrite": {"en": "mug-and-co"}})
        after = await gateway.get_product(19)
        assert after.meta_title["en"] == title
        assert after.link_rewrite["en"] == "mug-and-co"
        for iso in set(before.name) - {"en"}:
            assert after.meta_title[iso] == before.meta_title[iso]
            assert after.link_rewrite[iso] == before.link_rewrite[iso]
    finally:
        await gateway.patch_product(19, seo={"meta_title": {"en": before.meta_title.get("en", "")},
                                             "link_rewrite": {"en": before.link_rewrite["en"]}})


async def test_set_stock_quantity(store: Store, gateway: PrestaShopGateway) -> None:
    stock = await gateway.get_stock(19)
    try:
        await gateway.set_stock_quantity(stock.id, stock.quantity + 7)
        assert (await gateway.get_stock(19)).quantity == stock.quantity + 7
    finally:
        await gateway.set_stock_quantity(stock.id, stock.quantity)
    if store.admin is not None:
        assert store.admin.inspect()["stock_writes"] == {"19": 2}


async def test_create_product_sends_every_field_a_post_would_null(store: Store, gateway: PrestaShopGateway) -> None:
    reference = unique_reference()
    new_id = await gateway.create_product(NewProduct(
        reference=reference, name={"en": "Mug \"Ünïcode\" & friends"}, price_ht=Decimal("9.990000"),
        description={"en": "<p>Tea & coffee</p>"}, seo={"meta_title": {"en": "Best mug"}},
        ean13="3700000000019", weight=Decimal("0.35")))
    product = await gateway.get_product(new_id)
    assert product.reference == reference
    assert product.active and product.visibility == "both" and product.state == 1
    assert product.price_ht == Decimal("9.99")
    assert product.name["en"] == "Mug \"Ünïcode\" & friends"
    # every language gets a name and a link_rewrite (a POST leaves the languages it is not sent empty)
    assert all(product.name.values()) and all(product.link_rewrite.values())
    assert product.link_rewrite["en"] == "mug-unicode-friends"
    assert product.description["en"] == "<p>Tea & coffee</p>"
    assert product.meta_title["en"] == "Best mug"
    assert product.ean13 == "3700000000019" and product.weight == Decimal("0.35")
    assert 2 in product.category_ids and product.id_category_default == 2
    assert product.stock is not None and product.stock.quantity == 0
    assert await gateway.find_products_by_reference(reference) == [new_id]
    if store.admin is not None:
        raw = store.admin.get_object("products", new_id)
        assert (raw["available_for_order"], raw["show_price"], raw["minimal_quantity"]) == ("1", "1", "1")
        assert store.admin.inspect()["products_created"] == 1


async def test_order_history_changes_state_and_mails_only_when_asked(store: Store,
                                                                      gateway: PrestaShopGateway) -> None:
    admin = store.require_admin()
    history_id = await gateway.add_order_history(2, 2, send_email=False)  # order 2: awaiting check -> accepted
    assert history_id > 0
    assert (await gateway.get_order(2)).current_state == 2
    assert admin.inspect()["emails"] == 0
    await gateway.add_order_history(2, 3, send_email=True)
    order = await gateway.get_order(2)
    assert order.current_state == 3 and order.state_name == "Processing in progress"
    seen = admin.inspect()
    assert seen["emails"] == 1 and seen["history_rows"]["2"] == 3


async def test_repeating_the_current_state_duplicates_history_and_mail(store: Store,
                                                                       gateway: PrestaShopGateway) -> None:
    """PrestaShop has no guard against the same status twice: the gateway passes that on, callers must check."""
    admin = store.require_admin()
    await gateway.add_order_history(2, 2, send_email=True)
    await gateway.add_order_history(2, 2, send_email=True)
    seen = admin.inspect()
    assert seen["history_rows"]["2"] == 3 and seen["emails_by_order"] == {"2": 2}
    assert seen["repeated_status"] == {"2": 1}


async def test_add_order_history_works_on_a_real_store(store: Store, gateway: PrestaShopGateway) -> None:
    order = await gateway.get_order(5)
    target = 8 if order.current_state != 8 else 6  # payment error / canceled: no stock side effects
    assert await gateway.add_order_history(5, target, send_email=False) > 0
    assert (await gateway.get_order(5)).current_state == target


async def test_set_tracking_number(store: Store, gateway: PrestaShopGateway) -> None:
    order = await gateway.get_order(3)
    assert order.order_carrier_id is not None
    tracking = f"TRK-{uuid.uuid4().hex[:10].upper()}"
    assert is_valid_tracking_number(tracking)
    await gateway.set_tracking_number(order.order_carrier_id, tracking, send_email=False)
    assert (await gateway.get_order(3)).tracking_number == tracking
    if store.admin is not None:
        assert store.admin.inspect()["emails"] == 0
        await gateway.set_tracking_number(order.order_carrier_id, tracking + "-2", send_email=True)
        assert [e["template"] for e in store.admin.inspect()["email_log"]] == ["in_transit"]


async def test_invalid_tracking_number_is_a_validation_error_with_prestashop_code(gateway: PrestaShopGateway) -> None:
    order = await gateway.get_order(3)
    assert order.order_carrier_id is not None
    for bad in ("no<html>", "x" * 65):
        assert not is_valid_tracking_number(bad)
        with pytest.raises(StoreValidationError) as caught:
            await gateway.set_tracking_number(order.order_carrier_id, bad, send_email=False)
        assert caught.value.code is not None and "tracking_number" in caught.value.message
        assert caught.value.retryable is False


async def test_gateway_never_sends_put_nor_json_bodies(store: Store, gateway: PrestaShopGateway) -> None:
    admin = store.require_admin()
    admin.clear_inspection()
    stock = await gateway.get_stock(19)
    await gateway.patch_product(19, price_ht=Decimal("14"), seo={"meta_description": {"en": "d"}},
                                fields={"active": True})
    await gateway.set_stock_quantity(stock.id, 5)
    await gateway.create_product(NewProduct(reference=unique_reference(), name={"en": "x"}, price_ht=Decimal(1)))
    await gateway.add_order_history(2, 2, send_email=True)
    carrier = await gateway.get_order_carrier(2)
    assert carrier is not None
    await gateway.set_tracking_number(carrier.id, "ABC123", send_email=True)
    for call in (gateway.patch_product(19, fields={"quantity": 1}),):
        with pytest.raises(StoreValidationError):
            await call
    log = admin.inspect()["requests"]
    writes = [r for r in log if r["method"] != "GET"]
    assert {r["method"] for r in log} <= {"GET", "POST", "PATCH"}
    assert {r["method"] for r in writes} == {"POST", "PATCH"}
    assert len(writes) == 6
    assert all(r["body_kind"] == "xml" and r["content_type"].startswith("text/xml") for r in writes)
    assert all(r["body_kind"] == "empty" for r in log if r["method"] == "GET")
    with pytest.raises(ValueError):
        await gateway._request("PUT", "/api/products/19")


async def test_text_xml_cannot_carry_is_refused_before_sending(store: Store, gateway: PrestaShopGateway) -> None:
    admin = store.require_admin()
    admin.clear_inspection()
    with pytest.raises(StoreValidationError):
        await gateway.patch_product(19, seo={"meta_title": {"en": "bell\x07"}})
    assert admin.inspect()["methods"].get("PATCH") is None


# errors ---------------------------------------------------------------------------------------------------------
async def test_bad_key_is_an_auth_error(store: Store) -> None:
    async with store.gateway(api_key="Z" * 32) as gw:
        with pytest.raises(StoreAuthError) as caught:
            await gw.get_product(19)
    assert caught.value.status == 401 and caught.value.retryable is False


async def test_malformed_key_is_an_auth_error(store: Store) -> None:
    async with store.gateway(api_key="short") as gw:
        with pytest.raises(StoreAuthError):
            await gw.get_order(1)


async def test_key_without_resource_or_method_permission_is_an_auth_error(store: Store) -> None:
    admin = store.require_admin()
    limited = "L" * 32
    admin.add_key(limited, permissions={"languages": ["GET"], "products": ["GET"], "configurations": ["GET"]})
    async with store.gateway(api_key=limited) as gw:
        with pytest.raises(StoreAuthError) as no_resource:
            await gw.get_order(1)
        assert (no_resource.value.status, no_resource.value.code) == (401, 26)
        with pytest.raises(StoreAuthError) as no_method:
            await gw.patch_product(19, price_ht=Decimal(1))
        assert (no_method.value.status, no_method.value.code) == (405, 25)


async def test_disabled_webservice_is_reported_and_not_retried(store: Store, gateway: PrestaShopGateway) -> None:
    admin = store.require_admin()
    admin.settings(webservice_enabled=False)
    admin.clear_inspection()
    with pytest.raises(StoreDisabled) as caught:
        await gateway.get_product(19)
    assert (caught.value.status, caught.value.code, caught.value.retryable) == (503, 22, False)
    assert admin.inspect()["methods"] == {"GET": 1}


async def test_validation_error_keeps_prestashop_code_and_message(gateway: PrestaShopGateway) -> None:
    with pytest.raises(StoreValidationError) as caught:
        await gateway.patch_product(19, fields={"quantity": 5})  # products.quantity is read-only
    assert caught.value.code == 93 and "quantity" in caught.value.message and caught.value.status == 400


async def test_transient_get_failures_are_retried_then_succeed(store: Store, gateway: PrestaShopGateway) -> None:
    admin = store.require_admin()
    await gateway.languages()
    admin.clear_inspection()
    admin.set_faults(fail_next=2, error_status=502)
    assert (await gateway.get_order(1)).id == 1
    statuses = [r["status"] for r in admin.inspect()["requests"]]
    # the first call of get_order was answered 502 twice, retried, and every call ended in a 200
    assert statuses[:3] == [502, 502, 200] and set(statuses[3:]) == {200}


async def test_persistent_transient_failure_gives_up_after_bounded_retries(store: Store) -> None:
    admin = store.require_admin()
    async with store.gateway(max_retries=2) as gw:
        await gw.languages()
        admin.clear_inspection()
        admin.set_faults(error_rate=1.0, error_status=503)
        with pytest.raises(StoreTransientError) as caught:
            await gw.get_order(1)
    assert caught.value.retryable is True and caught.value.status == 503
    assert admin.inspect()["methods"] == {"GET": 3}


async def test_writes_are_never_retried(store: Store, gateway: PrestaShopGateway) -> None:
    admin = store.require_admin()
    await gateway.languages()
    admin.clear_inspection()
    admin.set_faults(fail_next=1, error_status=503, methods=["POST"])
    with pytest.raises(StoreTransientError) as caught:
        await gateway.add_order_history(2, 2, send_email=True)
    assert caught.value.outcome_unknown is False  # a 503 turned the call away
    seen = admin.inspect()
    assert seen["methods"] == {"POST": 1} and seen["emails"] == 0 and seen["history_rows"]["2"] == 1


async def test_read_timeout_is_retried_for_gets(store: Store) -> None:
    admin = store.require_admin()
    async with store.gateway(read_timeout=0.3) as gw:
        await gw.languages()
        admin.set_faults(timeout_next=1, hang_ms=2000)
        started = time.monotonic()
        assert (await gw.get_product(19)).id == 19
        assert time.monotonic() - started < 2.0


async def test_write_timeout_reports_an_unknown_outcome(store: Store) -> None:
    admin = store.require_admin()
    async with store.gateway(read_timeout=0.3) as gw:
        stock = await gw.get_stock(19)
        admin.clear_inspection()
        admin.set_faults(timeout_next=1, hang_ms=1000, methods=["PATCH"])
        with pytest.raises(StoreTransientError) as caught:
            await gw.set_stock_quantity(stock.id, 1)
    assert caught.value.outcome_unknown is True and caught.value.retryable is True
    assert admin.inspect()["methods"] == {"PATCH": 1}


async def test_latency_below_the_read_timeout_is_fine(store: Store) -> None:
    admin = store.require_admin()
    async with store.gateway(read_timeout=1.0) as gw:
        admin.set_faults(latency_ms=150)
        started = time.monotonic()
        assert (await gw.get_stock(19)).quantity == 300
        assert time.monotonic() - started >= 0.15


async def test_unreachable_store_is_transient_and_recovers(store: Store, gateway: PrestaShopGateway) -> None:
    admin = store.require_admin()
    await gateway.get_product(19)  # a pooled connection exists
    admin.set_faults(unreachable=True)
    with pytest.raises(StoreTransientError) as caught:
        await gateway.get_product(19)
    assert caught.value.status is None  # no HTTP answer at all
    async with store.gateway(max_retries=0) as fresh:
        with pytest.raises(StoreTransientError, match="connection failed"):
            await fresh.get_order(1)
        with pytest.raises(StoreTransientError) as write:
            await fresh.set_stock_quantity(19, 1)
        assert write.value.outcome_unknown is False  # connection refused: nothing was sent
    admin.set_faults(unreachable=False)
    assert (await gateway.get_product(19)).id == 19


async def test_wrong_host_without_id_shop_would_redirect_but_the_gateway_always_sends_id_shop(
        store: Store, gateway: PrestaShopGateway) -> None:
    admin = store.require_admin()
    admin.settings(shop_domain="shop.example")  # the gateway talks to 127.0.0.1: a Host mismatch
    assert (await gateway.get_product(19)).id == 19
    assert all("id_shop=1" in r["query"] for r in admin.inspect()["requests"])


async def test_redirect_is_an_unexpected_error(store: Store) -> None:
    admin = store.require_admin()
    admin.settings(shop_domain="shop.example")
    async with store.gateway(max_retries=0) as gw:
        gw._client.params = gw._client.params
        response = await gw._client.get("/api/products/19")
        assert response.status_code == 302
        with pytest.raises(StoreUnexpectedError, match="redirected"):
            raise gw._status_error(response)


async def test_product_deleted_behind_the_bridges_back_is_not_found(store: Store,
                                                                    gateway: PrestaShopGateway) -> None:
    admin = store.require_admin()
    admin.delete_product(7)
    with pytest.raises(StoreNotFound):
        await gateway.get_product(7)
    with pytest.raises(StoreNotFound):
        await gateway.get_stock(7)
    with pytest.raises(StoreNotFound):
        await gateway.patch_product(7, price_ht=Decimal(3))


async def test_backorders_are_resolved_from_the_shop_default(store: Store) -> None:
    admin = store.require_admin()
    async with store.gateway() as gw:
        stock = await gw.get_stock(19)
        assert stock.out_of_stock == 2 and stock.allows_backorders is False
    admin.settings(order_out_of_stock=1)
    async with store.gateway() as gw:
        assert (await gw.get_stock(19)).allows_backorders is True
    admin.set_stock(19, out_of_stock=0)
    async with store.gateway() as gw:
        assert (await gw.get_stock(19)).allows_backorders is False
    admin.set_stock(19, 4, out_of_stock=1)
    async with store.gateway() as gw:
        stock = await gw.get_stock(19)
        assert (stock.quantity, stock.allows_backorders) == (4, True)


async def test_single_language_store_collapses_and_still_decodes(store: Store) -> None:
    admin = store.require_admin()
    admin.set_language_active(2, False)
    async with store.gateway() as gw:
        product = await gw.get_product(19)
        assert product.name == {"en": "Customizable mug"}
        assert (await gw.get_order(4)).state_names == {"en": "Shipped"}
        new_id = await gw.create_product(NewProduct(reference=unique_reference(), name={"en": "Solo"},
                                                    price_ht=Decimal(2)))
        assert (await gw.get_product(new_id)).name == {"en": "Solo"}
    assert any("language=1" in r["query"] for r in admin.inspect()["requests"])
