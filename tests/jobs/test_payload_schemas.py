"""Payload validation: every 400 case of the three writes, one ``errors`` entry per invalid field, and the
canonical payload that is stored and fingerprinted."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from bridge.errors import BadRequest, ValidationFailed
from bridge.jobs.schemas import (
    ImportProductsPayload,
    UpdateOrderStatusPayload,
    UpdateProductPayload,
    parse_payload,
)
from workflows.contracts import KIND_IMPORT_PRODUCTS, KIND_UPDATE_ORDER_STATUS, KIND_UPDATE_PRODUCT


def parse(kind: str, payload: Any) -> dict[str, Any]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return parse_payload(kind, body)


def errors_of(kind: str, payload: Any) -> tuple[str, dict[str, str]]:
    """(code, {pointer: detail}) of the 400 the payload gets."""
    with pytest.raises(BadRequest) as caught:
        parse(kind, payload)
    error = caught.value
    assert error.status == 400
    assert error.errors, "every 400 lists its invalid fields"
    return error.code, {e["pointer"]: e["detail"] for e in error.errors}


def item(reference: str = "SKU-1", **extra: Any) -> dict[str, Any]:
    return {"reference": reference, "name": "Mug", "price_ht": "9.5", **extra}


# --- update_product ---------------------------------------------------------------------------------------------
def test_update_product_canonical_payload_fills_defaults_and_normalises_decimals() -> None:
    canonical = parse(KIND_UPDATE_PRODUCT, {"product_id": 19, "updates": {"price_ht": 12.50, "stock_delta": -2,
                                                                          "seo": {"meta_title": {"en": "Mug"}}}})
    assert canonical == {
        "product_id": 19,
        "updates": {"price_ht": "12.5", "stock_delta": -2, "seo": {"meta_title": {"en": "Mug"}}},
        "options": {"skip_reindex": False},
    }
    # the stored payload decodes back into the struct the workflows use
    typed = msgspec.convert(canonical, UpdateProductPayload)
    assert str(typed.updates.price_ht) == "12.5"


@pytest.mark.parametrize("price", ["12.5", "12.50", 12.5, 12.50, "12.500000"])
def test_price_spellings_of_the_same_amount_are_the_same_payload(price: Any) -> None:
    assert parse(KIND_UPDATE_PRODUCT, {"product_id": 1, "updates": {"price_ht": price}})["updates"]["price_ht"] == "12.5"


def test_a_json_number_price_is_kept_exactly() -> None:
    body = b'{"product_id": 1, "updates": {"price_ht": 19.999999}}'
    assert parse(KIND_UPDATE_PRODUCT, body)["updates"]["price_ht"] == "19.999999"


@pytest.mark.parametrize(
    ("payload", "pointer"),
    [
        ({"updates": {"price_ht": "1"}}, "/product_id"),
        ({"product_id": 0, "updates": {"price_ht": "1"}}, "/product_id"),
        ({"product_id": -3, "updates": {"price_ht": "1"}}, "/product_id"),
        ({"product_id": "19", "updates": {"price_ht": "1"}}, "/product_id"),
        ({"product_id": 1.5, "updates": {"price_ht": "1"}}, "/product_id"),
        ({"product_id": True, "updates": {"price_ht": "1"}}, "/product_id"),
        ({"product_id": 1}, "/updates"),
        ({"product_id": 1, "updates": {}}, "/updates"),
        ({"product_id": 1, "updates": []}, "/updates"),
        ({"product_id": 1, "updates": {"price_ht": "-0.01"}}, "/updates/price_ht"),
        ({"product_id": 1, "updates": {"price_ht": -1}}, "/updates/price_ht"),
        ({"product_id": 1, "updates": {"price_ht": "1.1234567"}}, "/updates/price_ht"),
        ({"product_id": 1, "updates": {"price_ht": "abc"}}, "/updates/price_ht"),
        ({"product_id": 1, "updates": {"price_ht": "NaN"}}, "/updates/price_ht"),
        ({"product_id": 1, "updates": {"price_ht": "1e3"}}, "/updates/price_ht"),
        ({"product_id": 1, "updates": {"price_ht": " 1"}}, "/updates/price_ht"),
        ({"product_id": 1, "updates": {"price_ht": True}}, "/updates/price_ht"),
        ({"product_id": 1, "updates": {"price_ht": None}}, "/updates/price_ht"),
        ({"product_id": 1, "updates": {"stock_delta": 0}}, "/updates/stock_delta"),
        ({"product_id": 1, "updates": {"stock_delta": 1.5}}, "/updates/stock_delta"),
        ({"product_id": 1, "updates": {"stock_delta": "3"}}, "/updates/stock_delta"),
        ({"product_id": 1, "updates": {"seo": {}}}, "/updates/seo"),
        ({"product_id": 1, "updates": {"seo": {"meta_keywords": "x"}}}, "/updates/seo/meta_keywords"),
        ({"product_id": 1, "updates": {"seo": {"meta_title": "x" * 256}}}, "/updates/seo/meta_title"),
        ({"product_id": 1, "updates": {"seo": {"meta_title": {"EN": "x"}}}}, "/updates/seo/meta_title"),
        ({"product_id": 1, "updates": {"seo": {"meta_title": {}}}}, "/updates/seo/meta_title"),
        ({"product_id": 1, "updates": {"seo": {"meta_description": "x" * 513}}}, "/updates/seo/meta_description"),
        ({"product_id": 1, "updates": {"seo": {"link_rewrite": "not a slug"}}}, "/updates/seo/link_rewrite"),
        ({"product_id": 1, "updates": {"name": "x"}}, "/updates/name"),
        ({"product_id": 1, "updates": {"price_ht": "1"}, "extra": 1}, "/extra"),
        ({"product_id": 1, "updates": {"price_ht": "1"}, "options": {"skip_reindex": "yes"}}, "/options/skip_reindex"),
        ({"product_id": 1, "updates": {"price_ht": "1"}, "options": {"force": True}}, "/options/force"),
        ({"product_id": 1, "updates": {"price_ht": "1"}, "options": None}, "/options"),
    ],
)
def test_update_product_400(payload: dict[str, Any], pointer: str) -> None:
    code, errors = errors_of(KIND_UPDATE_PRODUCT, payload)
    assert code == "validation_failed"
    assert list(errors) == [pointer]


def test_every_invalid_field_is_listed_once() -> None:
    code, errors = errors_of(KIND_UPDATE_PRODUCT, {
        "product_id": "x", "updates": {"price_ht": -1, "bogus": 1, "seo": {"link_rewrite": "a b"}}, "more": 1})
    assert code == "validation_failed"
    assert set(errors) == {"/product_id", "/updates/price_ht", "/updates/bogus", "/updates/seo/link_rewrite", "/more"}
    assert errors["/product_id"] == "Expected `int`, got `str`"


@pytest.mark.parametrize(
    ("payload", "pointers"),
    [
        ({"product_id": 1, "updates": {"price_ttc": "12"}}, ["/updates/price_ttc"]),
        ({"product_id": 1, "updates": {"price_tax_incl": "12"}}, ["/updates/price_tax_incl"]),
        ({"product_id": 1, "updates": {"priceTaxIncl": "12"}}, ["/updates/priceTaxIncl"]),
        ({"product_id": 1, "updates": {"price_ht": "1", "PRICE_TTC": 3}}, ["/updates/PRICE_TTC"]),
        ({"product_id": 1, "price_with_tax": 2, "updates": {"price_ht": "1"}}, ["/price_with_tax"]),
        # checked before anything else: even an otherwise invalid payload gets the TTC answer
        ({"product_id": "bad", "updates": {"price_ttc": "12"}}, ["/updates/price_ttc"]),
    ],
)
def test_tax_included_prices_are_refused_before_any_other_rule(payload: dict[str, Any], pointers: list[str]) -> None:
    code, errors = errors_of(KIND_UPDATE_PRODUCT, payload)
    assert code == "ttc_price_forbidden"
    assert list(errors) == pointers


def test_tax_included_price_inside_an_import_item_is_refused() -> None:
    code, errors = errors_of(KIND_IMPORT_PRODUCTS, {"batch_id": "b", "items": [item(), item("B", price_ttc="3")]})
    assert code == "ttc_price_forbidden"
    assert list(errors) == ["/items/1/price_ttc"]


@pytest.mark.parametrize("body", [b"", b"{", b"not json", b'{"product_id": 1,}', b"\xff\xfe"])
def test_invalid_json_is_a_400(body: bytes) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_payload(KIND_UPDATE_PRODUCT, body)
    assert caught.value.code == "invalid_json"
    assert caught.value.errors


@pytest.mark.parametrize("body", [b"[]", b"1", b'"x"', b"null"])
def test_a_body_that_is_not_an_object_is_a_400(body: bytes) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_payload(KIND_UPDATE_PRODUCT, body)
    assert caught.value.errors == [{"pointer": "", "detail": caught.value.errors[0]["detail"]}]


# --- import_products --------------------------------------------------------------------------------------------
def test_import_canonical_payload() -> None:
    canonical = parse(KIND_IMPORT_PRODUCTS, {"batch_id": "2024-06_a.b", "items": [
        item(quantity=3, active=True, category_ids=[2, 3], ean13="1234567890123", weight=0.25,
             seo={"link_rewrite": "mug"}, description={"en": "<p>x</p>"}),
    ]})
    assert canonical == {
        "batch_id": "2024-06_a.b",
        "items": [{"reference": "SKU-1", "name": "Mug", "price_ht": "9.5", "quantity": 3, "active": True,
                   "description": {"en": "<p>x</p>"}, "seo": {"link_rewrite": "mug"}, "category_ids": [2, 3],
                   "ean13": "1234567890123", "weight": "0.25"}],
        "options": {"update_existing": False, "skip_reindex": False},
    }
    msgspec.convert(canonical, ImportProductsPayload)


def test_import_accepts_exactly_fifty_items() -> None:
    parse(KIND_IMPORT_PRODUCTS, {"batch_id": "b", "items": [item(f"S{i}") for i in range(50)]})


@pytest.mark.parametrize(
    ("payload", "pointers"),
    [
        ({"batch_id": "b", "items": [item(f"S{i}") for i in range(51)]}, ["/items"]),
        ({"batch_id": "b", "items": []}, ["/items"]),
        ({"batch_id": "b"}, ["/items"]),
        ({"batch_id": "b", "items": {"0": item()}}, ["/items"]),
        ({"items": [item()]}, ["/batch_id"]),
        ({"batch_id": "", "items": [item()]}, ["/batch_id"]),
        ({"batch_id": "b" * 65, "items": [item()]}, ["/batch_id"]),
        ({"batch_id": "with space", "items": [item()]}, ["/batch_id"]),
        ({"batch_id": "a/b", "items": [item()]}, ["/batch_id"]),
        ({"batch_id": 7, "items": [item()]}, ["/batch_id"]),
        ({"batch_id": "b", "items": [item("A"), item("A")]}, ["/items/1/reference"]),
        ({"batch_id": "b", "items": [item("A"), item("B"), item("A")]}, ["/items/2/reference"]),
        ({"batch_id": "b", "items": [{"name": "x", "price_ht": "1"}]}, ["/items/0/reference"]),
        ({"batch_id": "b", "items": [{"reference": "A", "price_ht": "1"}]}, ["/items/0/name"]),
        ({"batch_id": "b", "items": [{"reference": "A", "name": "x"}]}, ["/items/0/price_ht"]),
        ({"batch_id": "b", "items": [item(price_ht="1.0000001")]}, ["/items/0/price_ht"]),
        ({"batch_id": "b", "items": [item(quantity=-1)]}, ["/items/0/quantity"]),
        ({"batch_id": "b", "items": [item(ean13="12345678901234")]}, ["/items/0/ean13"]),
        ({"batch_id": "b", "items": [item(category_ids=[1, "x"])]}, ["/items/0/category_ids/1"]),
        ({"batch_id": "b", "items": [item(weight=-2)]}, ["/items/0/weight"]),
        ({"batch_id": "b", "items": [item(colour="red")]}, ["/items/0/colour"]),
        ({"batch_id": "b", "items": [item(name="a<b")]}, ["/items/0/name"]),
        ({"batch_id": "b", "items": [item(reference="")]}, ["/items/0/reference"]),
        ({"batch_id": "b", "items": [item()], "options": {"update_existing": 1}}, ["/options/update_existing"]),
        ({"batch_id": "b", "items": [item(), "x"]}, ["/items/1"]),
    ],
)
def test_import_products_400(payload: dict[str, Any], pointers: list[str]) -> None:
    code, errors = errors_of(KIND_IMPORT_PRODUCTS, payload)
    assert code == "validation_failed"
    assert list(errors) == pointers


# --- update_order_status ----------------------------------------------------------------------------------------
def test_order_status_canonical_payload() -> None:
    canonical = parse(KIND_UPDATE_ORDER_STATUS, {"order_id": 4, "new_status": "shipped", "tracking_number": "1Z 99/A-B"})
    assert canonical == {"order_id": 4, "new_status": "shipped", "notify_customer": False,
                         "tracking_number": "1Z 99/A-B"}
    assert parse(KIND_UPDATE_ORDER_STATUS, {"order_id": 4, "new_status": 5})["new_status"] == 5
    msgspec.convert(canonical, UpdateOrderStatusPayload)


@pytest.mark.parametrize(
    ("payload", "pointer"),
    [
        ({"new_status": "shipped"}, "/order_id"),
        ({"order_id": 0, "new_status": "shipped"}, "/order_id"),
        ({"order_id": "4", "new_status": "shipped"}, "/order_id"),
        ({"order_id": 4}, "/new_status"),
        ({"order_id": 4, "new_status": "teleported"}, "/new_status"),
        ({"order_id": 4, "new_status": "Shipped"}, "/new_status"),
        ({"order_id": 4, "new_status": 0}, "/new_status"),
        ({"order_id": 4, "new_status": True}, "/new_status"),
        ({"order_id": 4, "new_status": None}, "/new_status"),
        ({"order_id": 4, "new_status": "shipped", "notify_customer": "yes"}, "/notify_customer"),
        ({"order_id": 4, "new_status": "shipped", "tracking_number": "A" * 65}, "/tracking_number"),
        ({"order_id": 4, "new_status": "shipped", "tracking_number": ""}, "/tracking_number"),
        ({"order_id": 4, "new_status": "shipped", "tracking_number": "AB<12>"}, "/tracking_number"),
        ({"order_id": 4, "new_status": "shipped", "tracking_number": "é"}, "/tracking_number"),
        ({"order_id": 4, "new_status": "shipped", "tracking_number": 123}, "/tracking_number"),
        ({"order_id": 4, "new_status": "shipped", "carrier": 1}, "/carrier"),
    ],
)
def test_update_order_status_400(payload: dict[str, Any], pointer: str) -> None:
    code, errors = errors_of(KIND_UPDATE_ORDER_STATUS, payload)
    assert code == "validation_failed"
    assert list(errors) == [pointer]


def test_tracking_number_of_sixty_four_characters_is_accepted() -> None:
    parse(KIND_UPDATE_ORDER_STATUS, {"order_id": 4, "new_status": "shipped", "tracking_number": "A" * 64})


def test_pointer_tokens_are_escaped() -> None:
    _, errors = errors_of(KIND_UPDATE_PRODUCT, {"product_id": 1, "updates": {"price_ht": "1"}, "a/b~c": 1})
    assert list(errors) == ["/a~1b~0c"]
