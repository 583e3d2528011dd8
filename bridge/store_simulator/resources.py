"""The webservice resources the simulator speaks, described the way PrestaShop's ``$definition`` arrays do.

Every value is kept as PrestaShop keeps it on the wire: scalars are strings (``"12.000000"``, ``"0"``), the ``id``
is an integer, multilingual fields are ``{language_id: text}``. Only the resources and fields the bridge needs are
described, plus the neighbouring fields that a POST or PUT would null (so the nulling quirk is visible).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

FieldKind = Literal["int", "bool", "decimal", "string", "date"]

NULL_DATE = "0000-00-00 00:00:00"


@dataclass(frozen=True)
class Field:
    """One field of a webservice resource."""

    name: str
    kind: FieldKind = "string"
    lang: bool = False
    writable: bool = True
    required: bool = False
    validate: str | None = None  # name of a validator in VALIDATORS
    size: int | None = None

    def null_value(self) -> str:
        """The value PrestaShop stores when a POST or PUT omits this field (0, '' or the zero date)."""
        if self.kind in ("int", "bool"):
            return "0"
        if self.kind == "decimal":
            return "0.000000"
        if self.kind == "date":
            return NULL_DATE
        return ""


@dataclass(frozen=True)
class Resource:
    """A webservice resource such as ``products``; ``singular`` names the XML/JSON element of one object."""

    name: str
    singular: str
    fields: tuple[Field, ...]
    # methods PrestaShop itself forbids on this resource, whatever the key's permissions (stock: POST, DELETE)
    forbidden_methods: frozenset[str] = frozenset()
    # association name -> (element name of one item, field names of an item)
    associations: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    def field(self, name: str) -> Field | None:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        return None


# Validators named as in PrestaShop's classes/Validate.php (only those used here).
VALIDATORS: dict[str, re.Pattern[str]] = {
    "isCatalogName": re.compile(r"^[^<>;=#{}]*$"),
    "isGenericName": re.compile(r"^[^<>={}]*$"),
    "isReference": re.compile(r"^[^<>;={}]*$"),
    "isLinkRewrite": re.compile(r"^[_a-zA-Z0-9\-]*$"),
    "isPrice": re.compile(r"^[0-9]{1,10}(\.[0-9]{1,9})?$"),
    "isUnsignedFloat": re.compile(r"^[0-9]+(\.[0-9]+)?$"),
    "isUnsignedInt": re.compile(r"^[0-9]+$"),
    "isInt": re.compile(r"^-?[0-9]+$"),
    "isBool": re.compile(r"^(0|1|true|false)$"),
    "isEan13": re.compile(r"^[0-9]{0,13}$"),
    # Quirk (OrderCarrier::$definition, Validate::isTrackingNumber): this character set, at most 64 characters.
    "isTrackingNumber": re.compile(r"^[~:#,%&_=()\[\].? +\-@/a-zA-Z0-9]+$"),
    "isColor": re.compile(r"^(#[0-9a-fA-F]{6}|[a-zA-Z]*)$"),
}


def _i(name: str, **kw: object) -> Field:
    return Field(name, "int", validate=kw.pop("validate", "isUnsignedInt"), **kw)  # type: ignore[arg-type]


def _b(name: str, **kw: object) -> Field:
    return Field(name, "bool", validate="isBool", **kw)  # type: ignore[arg-type]


def _d(name: str, **kw: object) -> Field:
    return Field(name, "decimal", validate=kw.pop("validate", "isUnsignedFloat"), **kw)  # type: ignore[arg-type]


def _s(name: str, **kw: object) -> Field:
    return Field(name, "string", **kw)  # type: ignore[arg-type]


def _t(name: str, **kw: object) -> Field:
    return Field(name, "date", **kw)  # type: ignore[arg-type]


PRODUCTS = Resource(
    "products",
    "product",
    (
        _i("id_manufacturer"),
        _i("id_supplier"),
        _i("id_category_default"),
        _b("new", writable=False),
        _i("cache_default_attribute"),
        _i("id_default_image", writable=False),
        _i("id_default_combination", writable=False),
        _i("id_tax_rules_group"),
        _i("position_in_category", writable=False),
        _s("manufacturer_name", writable=False),
        # Quirk: `quantity` is read-only on products (stock lives in stock_availables); sending it -> 400 code 93.
        Field("quantity", "int", writable=False),
        _s("type"),
        _i("id_shop_default"),
        _s("reference", validate="isReference", size=64),
        _s("supplier_reference", validate="isReference", size=64),
        _s("location", size=255),
        _d("width"),
        _d("height"),
        _d("depth"),
        _d("weight"),
        _b("quantity_discount"),
        _s("ean13", validate="isEan13", size=13),
        _s("isbn", size=32),
        _s("upc", size=12),
        _s("mpn", size=40),
        _b("cache_is_pack"),
        _b("cache_has_attachments"),
        _b("is_virtual"),
        _i("state"),
        _i("additional_delivery_times"),
        _s("product_type"),
        _b("on_sale"),
        _b("online_only"),
        _d("ecotax"),
        _i("minimal_quantity"),
        _i("low_stock_threshold", validate="isInt"),
        _b("low_stock_alert"),
        _d("price", validate="isPrice", required=True),
        _d("wholesale_price", validate="isPrice"),
        _s("unity", size=255),
        _d("unit_price_ratio"),
        _d("additional_shipping_cost", validate="isPrice"),
        _b("customizable"),
        _i("text_fields"),
        _i("uploadable_files"),
        _b("active"),
        _s("redirect_type"),
        _i("id_type_redirected"),
        _b("available_for_order"),
        _t("available_date"),
        _b("show_condition"),
        _s("condition"),
        _b("show_price"),
        _b("indexed"),
        _s("visibility"),
        _b("advanced_stock_management"),
        _t("date_add"),
        _t("date_upd"),
        _i("pack_stock_type"),
        _s("meta_description", lang=True, validate="isGenericName", size=512),
        _s("meta_title", lang=True, validate="isGenericName", size=255),
        _s("link_rewrite", lang=True, validate="isLinkRewrite", size=128, required=True),
        _s("name", lang=True, validate="isCatalogName", size=128, required=True),
        _s("description", lang=True),
        _s("description_short", lang=True),
        _s("available_now", lang=True, validate="isGenericName", size=255),
        _s("available_later", lang=True, validate="isGenericName", size=255),
    ),
    associations={
        "categories": ("category", ("id",)),
        "images": ("image", ("id",)),
        "stock_availables": ("stock_available", ("id", "id_product_attribute")),
    },
)

STOCK_AVAILABLES = Resource(
    "stock_availables",
    "stock_available",
    (
        _i("id_product", required=True),
        _i("id_product_attribute", required=True),
        _i("id_shop"),
        _i("id_shop_group"),
        _i("quantity", validate="isInt", required=True),
        _b("depends_on_stock", required=True),
        _i("out_of_stock", required=True),
        _s("location", size=255),
    ),
    # Quirk: stock rows are created and removed by PrestaShop itself; POST and DELETE are forbidden (405).
    forbidden_methods=frozenset({"POST", "DELETE"}),
)

LANGUAGES = Resource(
    "languages",
    "language",
    (
        _s("name", required=True, size=32),
        _s("iso_code", required=True, size=2),
        _s("locale", size=5),
        _s("language_code", size=5),
        _b("active"),
        _b("is_rtl"),
        _s("date_format_lite", size=32),
        _s("date_format_full", size=32),
    ),
)

ORDER_STATES = Resource(
    "order_states",
    "order_state",
    (
        _b("unremovable"),
        _b("delivery"),
        _b("hidden"),
        _b("send_email"),
        _s("module_name"),
        _b("invoice"),
        _s("color", validate="isColor"),
        _b("logable"),
        _b("shipped"),
        _b("paid"),
        _b("pdf_delivery"),
        _b("pdf_invoice"),
        _b("deleted"),
        _s("name", lang=True, required=True, size=64),
        _s("template", lang=True, size=64),
    ),
)

ORDERS = Resource(
    "orders",
    "order",
    (
        _i("id_address_delivery", required=True),
        _i("id_address_invoice", required=True),
        _i("id_cart", required=True),
        _i("id_currency", required=True),
        _i("id_lang", required=True),
        _i("id_customer", required=True),
        _i("id_carrier", required=True),
        _i("current_state"),
        _s("module"),
        _i("invoice_number"),
        _t("invoice_date"),
        _i("delivery_number"),
        _t("delivery_date"),
        _b("valid"),
        _t("date_add"),
        _t("date_upd"),
        _s("shipping_number"),
        _s("note"),
        _i("id_shop_group"),
        _i("id_shop"),
        _s("secure_key"),
        _s("payment", required=True),
        _b("recyclable"),
        _b("gift"),
        _s("gift_message"),
        _b("mobile_theme"),
        _d("total_discounts"),
        _d("total_discounts_tax_incl"),
        _d("total_discounts_tax_excl"),
        _d("total_paid", required=True),
        _d("total_paid_tax_incl"),
        _d("total_paid_tax_excl"),
        _d("total_paid_real", required=True),
        _d("total_products", required=True),
        _d("total_products_wt", required=True),
        _d("total_shipping"),
        _d("total_shipping_tax_incl"),
        _d("total_shipping_tax_excl"),
        _d("carrier_tax_rate"),
        _d("total_wrapping"),
        _d("total_wrapping_tax_incl"),
        _d("total_wrapping_tax_excl"),
        _i("round_mode"),
        _i("round_type"),
        _d("conversion_rate", required=True),
        _s("reference", size=9),
    ),
    associations={
        "order_rows": (
            "order_row",
            (
                "id",
                "product_id",
                "product_attribute_id",
                "product_quantity",
                "product_name",
                "product_reference",
                "product_ean13",
                "product_isbn",
                "product_upc",
                "product_price",
                "id_customization",
                "unit_price_tax_incl",
                "unit_price_tax_excl",
            ),
        )
    },
)

ORDER_HISTORIES = Resource(
    "order_histories",
    "order_history",
    (
        _i("id_employee"),
        _i("id_order_state", required=True),
        _i("id_order", required=True),
        _t("date_add"),
    ),
)

ORDER_CARRIERS = Resource(
    "order_carriers",
    "order_carrier",
    (
        _i("id_order", required=True),
        _i("id_carrier", required=True),
        _i("id_order_invoice"),
        _d("weight"),
        _d("shipping_cost_tax_excl", validate="isPrice"),
        _d("shipping_cost_tax_incl", validate="isPrice"),
        Field("tracking_number", "string", validate="isTrackingNumber", size=64),
        _t("date_add"),
    ),
)

CONFIGURATIONS = Resource(
    "configurations",
    "configuration",
    (
        _s("value"),
        _s("name", required=True, size=254),
        _i("id_shop_group"),
        _i("id_shop"),
        _t("date_add"),
        _t("date_upd"),
    ),
    # The simulator keeps configurations read-only (PrestaShop allows writes; the bridge never needs them).
    forbidden_methods=frozenset({"POST", "PUT", "PATCH", "DELETE"}),
)

RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in (PRODUCTS, STOCK_AVAILABLES, LANGUAGES, ORDER_STATES, ORDERS, ORDER_HISTORIES, ORDER_CARRIERS, CONFIGURATIONS)
}

ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
