"""Decoding of the webservice's JSON shapes and building of XML bodies, without a store."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from bridge.prestashop import Language, StoreValidationError, is_valid_tracking_number, slugify
from bridge.prestashop.decoding import (
    LanguageContext,
    as_bool,
    as_decimal,
    as_int,
    decode_product,
    decode_stock,
    objects_of,
)
from bridge.prestashop.xml_bodies import build_body

LANGS = [Language(id=1, iso_code="en"), Language(id=2, iso_code="fr")]


def test_multilingual_field_in_every_shape_becomes_iso_keyed() -> None:
    both = LanguageContext(LANGS, [1, 2], default_id=1)
    assert both.localized([{"id": "1", "value": "Mug"}, {"id": "2", "value": "Tasse"}]) == {"en": "Mug", "fr": "Tasse"}
    # collapsed to a string when one language was asked for
    assert LanguageContext(LANGS, [2], default_id=1).localized("Tasse") == {"fr": "Tasse"}
    assert both.localized("Mug") == {"en": "Mug"}  # unexpected collapse: the default language
    assert both.localized(None) == {} and both.localized("") == {}
    assert both.localized({"language": [{"id": 2, "value": "Tasse"}]}) == {"fr": "Tasse"}


def test_string_numbers_and_missing_falsy_fields() -> None:
    assert as_decimal("12.000000") == Decimal(12) and as_decimal(None) == 0 and as_decimal("") == 0
    assert as_int("19") == 19 and as_int(19) == 19 and as_int(None) == 0 and as_int("3.000") == 3
    assert as_bool("1") is True and as_bool("0") is False and as_bool(None) is False


def test_list_shapes() -> None:
    assert objects_of([], "products", "product") == []  # the bare [] of an empty list
    assert objects_of({"products": [{"id": 1}]}, "products", "product") == [{"id": 1}]
    assert objects_of({"product": {"id": 1}}, "products", "product") == [{"id": 1}]
    with pytest.raises(ValueError):
        objects_of({"orders": []}, "products", "product")


def test_single_object_form_without_falsy_fields_decodes_to_zero_values() -> None:
    """The single-object form drops "0" and "" fields: the model must fill them with their zero values."""
    obj = {"id": 20, "price": "9.990000", "name": [{"id": "1", "value": "x"}], "reference": "R"}
    product = decode_product(obj, LanguageContext(LANGS, [1, 2], 1), tax_incl_field="price_tax_incl", stock=None)
    assert product.active is False and product.id_tax_rules_group == 0 and product.ean13 == ""
    assert product.weight == Decimal(0) and product.category_ids == [] and product.price_tax_incl is None
    assert product.price_ht == Decimal("9.99")


def test_out_of_stock_is_resolved() -> None:
    row = {"id": 1, "id_product": "19", "quantity": "-2", "out_of_stock": "2"}
    assert decode_stock(row, shop_default_allows_backorders=True).allows_backorders is True
    assert decode_stock(row, shop_default_allows_backorders=False).allows_backorders is False
    assert decode_stock({**row, "out_of_stock": "1"}, False).allows_backorders is True
    assert decode_stock({**row, "out_of_stock": "0"}, True).allows_backorders is False
    assert decode_stock(row, False).quantity == -2


def test_xml_body_escapes_and_round_trips() -> None:
    tricky = 'Tea & <b>coffee</b> "quoted" ]]> café'
    body = build_body("product", [("id", "19"), ("description", {1: tricky, 2: "x"}), ("active", True)],
                      {"categories": ("category", [{"id": "2"}])})
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(body)
    product = root.find("product")
    assert root.tag == "prestashop" and product is not None
    assert product.findtext("id") == "19" and product.findtext("active") == "1"
    languages = product.findall("description/language")
    assert [(lang.get("id"), lang.text) for lang in languages] == [("1", tricky), ("2", "x")]
    assert product.findtext("associations/categories/category/id") == "2"


def test_xml_body_refuses_control_characters() -> None:
    with pytest.raises(StoreValidationError):
        build_body("product", [("name", {1: "a\x00b"})])


def test_tracking_number_format_and_slugs() -> None:
    assert is_valid_tracking_number("1Z999AA10123456784") and is_valid_tracking_number("AB-12/3 #4")
    assert not is_valid_tracking_number("") and not is_valid_tracking_number("x" * 65)
    assert not is_valid_tracking_number("a<b") and not is_valid_tracking_number("é")
    assert slugify("Mug \"Ünïcode\" & friends") == "mug-unicode-friends" and slugify("!!!") == "product"
