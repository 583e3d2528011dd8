"""The PrestaShop 9 gateway: the bridge's typed, quirk-free client of a store's legacy webservice."""

from bridge.prestashop.errors import (
    StoreAuthError,
    StoreDisabled,
    StoreError,
    StoreNotFound,
    StoreTransientError,
    StoreUnexpectedError,
    StoreValidationError,
)
from bridge.prestashop.gateway import PrestaShopGateway, is_valid_tracking_number, slugify
from bridge.prestashop.models import (
    Language,
    NewProduct,
    Order,
    OrderCarrier,
    OrderRow,
    OrderState,
    Product,
    StockAvailable,
)

__all__ = [
    "Language",
    "NewProduct",
    "Order",
    "OrderCarrier",
    "OrderRow",
    "OrderState",
    "PrestaShopGateway",
    "Product",
    "StockAvailable",
    "StoreAuthError",
    "StoreDisabled",
    "StoreError",
    "StoreNotFound",
    "StoreTransientError",
    "StoreUnexpectedError",
    "StoreValidationError",
    "is_valid_tracking_number",
    "slugify",
]
