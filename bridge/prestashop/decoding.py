"""Turning the webservice's JSON answers into the bridge's models, absorbing PrestaShop's quirks.

Quirks absorbed here (see docs/prestashop.md):
- scalars arrive as strings ("12.000000", "1"); ids as integers: everything goes through ``as_decimal``/``as_int``.
- the single-object form ({"product":{...}}) drops falsy fields: a missing field means 0 / "" / False.
- an empty list is a bare ``[]`` instead of ``{"products": []}``.
- multilingual fields are ``[{"id":"1","value":"…"}]`` or, when one language was requested or the shop has one
  language, a plain string: both become ``{iso_code: text}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from bridge.prestashop.models import (
    Language,
    LocalizedText,
    Order,
    OrderCarrier,
    OrderRow,
    OrderState,
    Product,
    StockAvailable,
)


class LanguageContext:
    """The languages a read asked for, to map language ids of an answer to ISO codes."""

    def __init__(self, languages: list[Language], requested_ids: list[int], default_id: int) -> None:
        self.iso_by_id = {lang.id: lang.iso_code for lang in languages}
        self.requested_ids = requested_ids
        self.default_id = default_id

    def localized(self, value: Any) -> LocalizedText:
        if value is None or value == "":
            return {}
        if isinstance(value, str):
            # collapsed form: only one language was in the answer
            lang_id = self.requested_ids[0] if len(self.requested_ids) == 1 else self.default_id
            return {self.iso_by_id.get(lang_id, str(lang_id)): value}
        if isinstance(value, list):
            out: LocalizedText = {}
            for entry in value:
                if isinstance(entry, Mapping) and "id" in entry:
                    lang_id = as_int(entry.get("id"))
                    out[self.iso_by_id.get(lang_id, str(lang_id))] = str(entry.get("value") or "")
            return out
        if isinstance(value, Mapping):
            # {"language": [...]} (an XML answer converted naively) or already {iso: text}
            if "language" in value:
                return self.localized(value["language"])
            return {str(k): str(v or "") for k, v in value.items()}
        return {}

    def in_default_language(self, texts: LocalizedText) -> str:
        iso = self.iso_by_id.get(self.default_id)
        if iso and iso in texts:
            return texts[iso]
        return next(iter(texts.values()), "")


def as_decimal(value: Any, default: Decimal = Decimal(0)) -> Decimal:
    if value is None or value == "":
        return default
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return default


def as_int(value: Any, default: int = 0) -> int:
    if value is None or value == "" or isinstance(value, bool):
        return int(value) if isinstance(value, bool) else default
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(Decimal(str(value)))
        except InvalidOperation:
            return default


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true")
    return bool(value)


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def objects_of(payload: Any, plural: str, singular: str) -> list[dict[str, Any]]:
    """The objects of an answer: ``{"products":[…]}``, ``{"product":{…}}`` or the bare ``[]`` of an empty list."""
    if payload == [] or payload is None:
        return []
    if isinstance(payload, Mapping):
        if plural in payload:
            items = payload[plural]
            if isinstance(items, Mapping):  # one object rendered as a mapping
                return [dict(items)]
            return [dict(i) for i in (items or []) if isinstance(i, Mapping)]
        if singular in payload and isinstance(payload[singular], Mapping):
            return [dict(payload[singular])]
    raise ValueError(f"not a {plural} answer: {str(payload)[:200]}")


def association(obj: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    associations = obj.get("associations") or {}
    if not isinstance(associations, Mapping):
        return []
    items = associations.get(name) or []
    if isinstance(items, Mapping):
        items = [items]
    return [dict(i) for i in items if isinstance(i, Mapping)]


def decode_language(obj: Mapping[str, Any]) -> Language:
    return Language(id=as_int(obj.get("id")), iso_code=as_text(obj.get("iso_code")), name=as_text(obj.get("name")),
                    active=as_bool(obj.get("active")))


def decode_stock(obj: Mapping[str, Any], shop_default_allows_backorders: bool) -> StockAvailable:
    out_of_stock = as_int(obj.get("out_of_stock"), 0)
    allows = out_of_stock == 1 or (out_of_stock == 2 and shop_default_allows_backorders)
    return StockAvailable(
        id=as_int(obj.get("id")),
        id_product=as_int(obj.get("id_product")),
        id_product_attribute=as_int(obj.get("id_product_attribute")),
        id_shop=as_int(obj.get("id_shop")),
        quantity=as_int(obj.get("quantity")),
        out_of_stock=out_of_stock,
        allows_backorders=allows,
        depends_on_stock=as_bool(obj.get("depends_on_stock")),
    )


def decode_product(obj: Mapping[str, Any], langs: LanguageContext, *, tax_incl_field: str,
                   stock: StockAvailable | None) -> Product:
    tax_incl = obj.get(tax_incl_field)
    return Product(
        id=as_int(obj.get("id")),
        reference=as_text(obj.get("reference")),
        name=langs.localized(obj.get("name")),
        price_ht=as_decimal(obj.get("price")),
        price_tax_incl=None if tax_incl in (None, "") else as_decimal(tax_incl),
        id_tax_rules_group=as_int(obj.get("id_tax_rules_group")),
        active=as_bool(obj.get("active")),
        visibility=as_text(obj.get("visibility")),
        state=as_int(obj.get("state")),
        meta_title=langs.localized(obj.get("meta_title")),
        meta_description=langs.localized(obj.get("meta_description")),
        link_rewrite=langs.localized(obj.get("link_rewrite")),
        description=langs.localized(obj.get("description")),
        description_short=langs.localized(obj.get("description_short")),
        ean13=as_text(obj.get("ean13")),
        weight=as_decimal(obj.get("weight")),
        id_category_default=as_int(obj.get("id_category_default")),
        category_ids=[as_int(c.get("id")) for c in association(obj, "categories")],
        stock=stock,
        date_add=as_text(obj.get("date_add")),
        date_upd=as_text(obj.get("date_upd")),
    )


def decode_order_state(obj: Mapping[str, Any], langs: LanguageContext) -> OrderState:
    return OrderState(
        id=as_int(obj.get("id")),
        name=langs.localized(obj.get("name")),
        template=langs.localized(obj.get("template")),
        module_name=as_text(obj.get("module_name")),
        **{flag: as_bool(obj.get(flag)) for flag in
           ("paid", "shipped", "delivery", "logable", "invoice", "send_email", "deleted", "hidden", "unremovable")},
    )


def decode_order_carrier(obj: Mapping[str, Any]) -> OrderCarrier:
    return OrderCarrier(
        id=as_int(obj.get("id")),
        id_order=as_int(obj.get("id_order")),
        id_carrier=as_int(obj.get("id_carrier")),
        tracking_number=as_text(obj.get("tracking_number")) or None,
        weight=as_decimal(obj.get("weight")),
        shipping_cost_tax_excl=as_decimal(obj.get("shipping_cost_tax_excl")),
        shipping_cost_tax_incl=as_decimal(obj.get("shipping_cost_tax_incl")),
        date_add=as_text(obj.get("date_add")),
    )


def decode_order(obj: Mapping[str, Any], state: OrderState | None, langs: LanguageContext,
                 carrier: OrderCarrier | None) -> Order:
    rows = [
        OrderRow(
            id=as_int(row.get("id")),
            product_id=as_int(row.get("product_id")),
            product_attribute_id=as_int(row.get("product_attribute_id")),
            product_reference=as_text(row.get("product_reference")),
            product_name=as_text(row.get("product_name")),
            quantity=as_int(row.get("product_quantity")),
            unit_price_tax_excl=as_decimal(row.get("unit_price_tax_excl")),
            unit_price_tax_incl=as_decimal(row.get("unit_price_tax_incl")),
        )
        for row in association(obj, "order_rows")
    ]
    state_names = state.name if state is not None else {}
    tracking = carrier.tracking_number if carrier is not None else None
    return Order(
        id=as_int(obj.get("id")),
        reference=as_text(obj.get("reference")),
        current_state=as_int(obj.get("current_state")),
        state_name=langs.in_default_language(state_names),
        state_names=state_names,
        id_customer=as_int(obj.get("id_customer")),
        id_carrier=as_int(obj.get("id_carrier")),
        id_lang=as_int(obj.get("id_lang")),
        payment=as_text(obj.get("payment")),
        valid=as_bool(obj.get("valid")),
        total_paid_tax_incl=as_decimal(obj.get("total_paid_tax_incl")),
        total_paid_tax_excl=as_decimal(obj.get("total_paid_tax_excl")),
        total_products=as_decimal(obj.get("total_products")),
        total_products_wt=as_decimal(obj.get("total_products_wt")),
        total_shipping=as_decimal(obj.get("total_shipping")),
        total_shipping_tax_excl=as_decimal(obj.get("total_shipping_tax_excl")),
        rows=rows,
        tracking_number=tracking or (as_text(obj.get("shipping_number")) or None),
        order_carrier_id=carrier.id if carrier is not None else None,
        date_add=as_text(obj.get("date_add")),
        date_upd=as_text(obj.get("date_upd")),
    )
