"""``GET /v1/products/{id}``: one product, read synchronously from the store through the gateway.

Prices are decimal strings. ``price_ht`` (tax excluded) is the price a client may change through
``update_product``; ``price_tax_incl`` is information computed by the store from the product's tax rules group
for its default country, and can never be written (contract section 8).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar import Controller, get
from litestar.di import Provide
from litestar.params import FromPath

from bridge.api.resources import InjectedResources
from bridge.auth import InjectedClient, provide_client
from bridge.errors import NotFound
from bridge.jobs.schemas import decimal_text
from bridge.jobs.store_access import parse_store_id, store_errors_as_bridge_errors
from bridge.prestashop.errors import StoreNotFound
from bridge.prestashop.models import Product, StockAvailable

OUT_OF_STOCK_POLICY = {0: "deny", 1: "allow", 2: "shop_default"}
"""PrestaShop's ``out_of_stock`` values: what happens to orders when sellable stock reaches zero."""


def money(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def stock_resource(stock: StockAvailable | None) -> dict[str, Any] | None:
    if stock is None:
        return None
    return {
        "quantity": stock.quantity,
        "out_of_stock": OUT_OF_STOCK_POLICY.get(stock.out_of_stock, str(stock.out_of_stock)),
        "allows_backorders": stock.allows_backorders,
    }


def product_resource(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "reference": product.reference,
        "name": product.name,
        "active": product.active,
        "price_ht": money(product.price_ht),
        "price_tax_incl": money(product.price_tax_incl),
        "tax_rules_group_id": product.id_tax_rules_group,
        "stock": stock_resource(product.stock),
        "seo": {
            "meta_title": product.meta_title,
            "meta_description": product.meta_description,
            "link_rewrite": product.link_rewrite,
        },
        "ean13": product.ean13 or None,
        "weight": money(product.weight),
        "default_category_id": product.id_category_default or None,
        "category_ids": product.category_ids,
        "date_add": product.date_add or None,
        "date_upd": product.date_upd or None,
    }


class ProductsController(Controller):
    path = "/v1/products"
    tags = ["products"]
    dependencies = {"client": Provide(provide_client, sync_to_thread=False)}

    @get("/{product_id:str}", summary="get_product",
         description="A product as the store has it now: names, HT price (and the computed tax-included price, "
                     "read-only), tax rules group, sellable stock and its out-of-stock policy, SEO fields.")
    async def get_product(self, product_id: FromPath[str], client: InjectedClient,
                          resources: InjectedResources) -> dict[str, Any]:
        wanted = parse_store_id(product_id, "id")
        with store_errors_as_bridge_errors():
            try:
                product = await resources.gateway.get_product(wanted)
            except StoreNotFound:
                raise NotFound(f"product {wanted} does not exist", code="product_not_found") from None
        return product_resource(product)
