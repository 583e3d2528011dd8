"""The bridge's own typed view of a PrestaShop store (msgspec structs), free of the webservice's quirks.

Numbers are numbers (Decimal for money and weights, int for ids and quantities), multilingual text is always
``{iso_code: text}``, missing fields have their zero value and empty lists are ``[]``.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

LocalizedText = dict[str, str]  # {"en": "Mug", "fr": "Tasse"}


class Language(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    iso_code: str
    name: str = ""
    active: bool = True


class StockAvailable(msgspec.Struct, frozen=True, kw_only=True):
    """A stock row. ``out_of_stock``: 0 deny orders when empty, 1 allow back-orders, 2 use the shop default;
    ``allows_backorders`` is that setting resolved (2 looked up in PS_ORDER_OUT_OF_STOCK)."""

    id: int
    id_product: int
    id_product_attribute: int = 0
    id_shop: int = 0
    quantity: int = 0
    out_of_stock: int = 2
    allows_backorders: bool = False
    depends_on_stock: bool = False


class Product(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    reference: str = ""
    name: LocalizedText = msgspec.field(default_factory=dict)
    price_ht: Decimal = Decimal(0)  # tax-excluded base price, the only price that can be written
    # computed by the store for its default country; None only if the store did not compute it
    price_tax_incl: Decimal | None = None
    id_tax_rules_group: int = 0
    active: bool = False
    visibility: str = ""
    state: int = 0
    meta_title: LocalizedText = msgspec.field(default_factory=dict)
    meta_description: LocalizedText = msgspec.field(default_factory=dict)
    link_rewrite: LocalizedText = msgspec.field(default_factory=dict)
    description: LocalizedText = msgspec.field(default_factory=dict)
    description_short: LocalizedText = msgspec.field(default_factory=dict)
    ean13: str = ""
    weight: Decimal = Decimal(0)
    id_category_default: int = 0
    category_ids: list[int] = msgspec.field(default_factory=list)
    stock: StockAvailable | None = None
    date_add: str = ""
    date_upd: str = ""


class NewProduct(msgspec.Struct, frozen=True, kw_only=True):
    """What ``create_product`` needs. Languages missing from ``name`` get the default language's name (a POST would
    otherwise leave them empty); ``link_rewrite`` is derived from the name when ``seo`` does not give it."""

    reference: str
    name: LocalizedText
    price_ht: Decimal
    active: bool = True
    description: LocalizedText | None = None
    description_short: LocalizedText | None = None
    seo: dict[str, LocalizedText] | None = None  # {"meta_title": {"en": ...}, "meta_description": ..., "link_rewrite": ...}
    category_ids: list[int] = msgspec.field(default_factory=lambda: [2])  # 2 = Home in a default install
    id_category_default: int | None = None  # default: the first of category_ids
    id_tax_rules_group: int = 1
    ean13: str | None = None
    weight: Decimal | None = None


class OrderRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    product_id: int
    product_attribute_id: int = 0
    product_reference: str = ""
    product_name: str = ""
    quantity: int = 0
    unit_price_tax_excl: Decimal = Decimal(0)
    unit_price_tax_incl: Decimal = Decimal(0)


class OrderState(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: LocalizedText = msgspec.field(default_factory=dict)
    template: LocalizedText = msgspec.field(default_factory=dict)
    module_name: str = ""
    paid: bool = False
    shipped: bool = False
    delivery: bool = False
    logable: bool = False
    invoice: bool = False
    send_email: bool = False
    deleted: bool = False
    hidden: bool = False
    unremovable: bool = False


class OrderCarrier(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    id_order: int
    id_carrier: int = 0
    tracking_number: str | None = None  # None when empty
    weight: Decimal = Decimal(0)
    shipping_cost_tax_excl: Decimal = Decimal(0)
    shipping_cost_tax_incl: Decimal = Decimal(0)
    date_add: str = ""


class Order(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    reference: str = ""
    current_state: int = 0
    state_name: str = ""  # in the shop's default language
    state_names: LocalizedText = msgspec.field(default_factory=dict)
    id_customer: int = 0
    id_carrier: int = 0
    id_lang: int = 0
    payment: str = ""
    valid: bool = False
    total_paid_tax_incl: Decimal = Decimal(0)
    total_paid_tax_excl: Decimal = Decimal(0)
    total_products: Decimal = Decimal(0)  # tax excluded
    total_products_wt: Decimal = Decimal(0)  # tax included
    total_shipping: Decimal = Decimal(0)  # tax included, as PrestaShop's total_shipping
    total_shipping_tax_excl: Decimal = Decimal(0)
    rows: list[OrderRow] = msgspec.field(default_factory=list)
    tracking_number: str | None = None
    order_carrier_id: int | None = None
    date_add: str = ""
    date_upd: str = ""
