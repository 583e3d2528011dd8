"""The bridge's only door to a PrestaShop 9 store: an async client of the legacy webservice (``/api/``).

Create one ``PrestaShopGateway`` per process and share it (it holds one pooled ``httpx.AsyncClient``); close it with
``aclose()`` on shutdown. Every read asks for ``output_format=JSON``, ``display=full``, explicit languages and
``id_shop``; every write is a PATCH or a POST with an XML body — never PUT, which nulls every field it omits.
Only GETs are retried, and only on transient failures; a write that may or may not have been applied raises
``StoreTransientError(outcome_unknown=True)`` so the caller re-reads before trying again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx

from bridge.prestashop.decoding import (
    LanguageContext,
    as_int,
    decode_language,
    decode_order,
    decode_order_carrier,
    decode_order_state,
    decode_product,
    decode_stock,
    objects_of,
)
from bridge.prestashop.errors import (
    StoreAuthError,
    StoreDisabled,
    StoreError,
    StoreNotFound,
    StoreTransientError,
    StoreUnexpectedError,
    StoreValidationError,
)
from bridge.prestashop.models import (
    Language,
    NewProduct,
    Order,
    OrderCarrier,
    OrderState,
    Product,
    StockAvailable,
)
from bridge.prestashop.xml_bodies import FieldValue, build_body
from bridge.settings import Settings

logger = logging.getLogger("bridge.prestashop")

# PrestaShop's Validate::isTrackingNumber, and OrderCarrier's 64-character limit
TRACKING_NUMBER = re.compile(r"^[~:#,%&_=()\[\].? +\-@/a-zA-Z0-9]+$")
TRACKING_NUMBER_MAX = 64
SEO_FIELDS = ("meta_title", "meta_description", "link_rewrite")
_TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
_ALLOWED_METHODS = frozenset({"GET", "POST", "PATCH"})  # never PUT (nulls omitted fields), never DELETE
_TAX_INCL_FIELD = "price_tax_incl"  # name of the computed field asked for with price[...][use_tax]=1
_CONFIG_TTL = 300.0


def is_valid_tracking_number(value: str) -> bool:
    """Whether PrestaShop will accept ``value`` as a tracking number (for a 422 pre-check in the API)."""
    return 0 < len(value) <= TRACKING_NUMBER_MAX and bool(TRACKING_NUMBER.match(value))


def slugify(text: str) -> str:
    """A ``link_rewrite`` PrestaShop accepts (letters, digits, '-') from a product name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", ascii_text).strip("-").lower()
    return slug[:128] or "product"


class PrestaShopGateway:
    """Async client of one store's webservice. Safe to share between tasks of one event loop."""

    def __init__(self, base_url: str, api_key: str, *, shop_id: int = 1, connect_timeout: float = 3.0,
                 read_timeout: float = 10.0, max_retries: int = 3,
                 transport: httpx.AsyncBaseTransport | None = None, backoff_base: float = 0.2,
                 backoff_max: float = 2.0, max_connections: int = 20) -> None:
        self.base_url = base_url.rstrip("/")
        self.shop_id = shop_id
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            # Basic auth: the key is the user name, the password is empty
            auth=httpx.BasicAuth(api_key, ""),
            timeout=httpx.Timeout(connect=connect_timeout, read=read_timeout, write=read_timeout,
                                  pool=connect_timeout),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            transport=transport,
            follow_redirects=False,  # a redirect means a Host/id_shop problem; following it would hide it
            headers={"Accept": "application/json"},
        )
        self._languages: list[Language] | None = None
        self._config_cache: dict[str, tuple[float, str | None]] = {}
        self._order_states: dict[int, OrderState] = {}
        self._random = random.Random()

    @classmethod
    def from_settings(cls, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
                      ) -> PrestaShopGateway:
        """The gateway of one bridge process (the API and the worker build theirs the same way)."""
        return cls(
            settings.prestashop_url,
            settings.prestashop_key,
            shop_id=settings.prestashop_shop_id,
            connect_timeout=settings.prestashop_connect_timeout_seconds,
            read_timeout=settings.prestashop_read_timeout_seconds,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> PrestaShopGateway:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # transport ----------------------------------------------------------------------------------------------
    async def _request(self, method: str, path: str, params: Mapping[str, str | int] | None = None,
                       body: bytes | None = None) -> httpx.Response:
        """Send one call; map every failure to a StoreError. GETs are retried on transient failures.

        A hand-written loop rather than a retry library: the rules are few (GET only, transient only, bounded
        exponential backoff with jitter) and the distinction between "not sent" and "outcome unknown" for writes
        matters more than generality.
        """
        if method not in _ALLOWED_METHODS:
            raise ValueError(f"the gateway never sends {method}")
        query: dict[str, str | int] = {"output_format": "JSON", "id_shop": self.shop_id}
        query.update(params or {})
        headers = {"Content-Type": "text/xml; charset=utf-8"} if body is not None else None
        idempotent = method == "GET"
        attempts = self.max_retries + 1 if idempotent else 1
        for attempt in range(attempts):
            try:
                response = await self._client.request(method, path, params=query, content=body, headers=headers)
            except httpx.TransportError as exc:
                error = self._transport_error(exc, sent_write=not idempotent)
            else:
                if response.status_code < 300:
                    return response
                error = self._status_error(response, write=not idempotent)
            if not (idempotent and error.retryable) or attempt == attempts - 1:
                raise error
            delay = min(self.backoff_max, self.backoff_base * (2 ** attempt))
            delay = delay / 2 + self._random.uniform(0, delay / 2)  # "equal jitter"
            logger.warning("store call %s %s failed (%s); retry %d/%d in %.2fs", method, path, error,
                           attempt + 1, attempts - 1, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _transport_error(exc: httpx.TransportError, *, sent_write: bool) -> StoreTransientError:
        # A connect error or a pool timeout means nothing reached the store; anything later, for a write, means
        # the store may have applied it.
        not_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
        return StoreTransientError(f"store {kind}: {exc.__class__.__name__}: {exc}",
                                   outcome_unknown=sent_write and not not_sent)

    @staticmethod
    def _status_error(response: httpx.Response, *, write: bool = False) -> StoreError:
        status = response.status_code
        code, message = _error_of(response)
        if 300 <= status < 400:
            return StoreUnexpectedError(
                f"store redirected to {response.headers.get('location')!r}: check the base URL and the shop "
                f"domain (PS_SHOP_DOMAIN); the gateway always sends id_shop", status=status)
        if status == 404:
            return StoreNotFound(message or f"{response.request.url.path} not found", code=code, status=status)
        if status in (401, 403) or (status == 405 and code == 25):
            return StoreAuthError(message or "webservice key refused", code=code, status=status)
        if status == 503 and code == 22:
            return StoreDisabled(message or "webservice disabled", code=code, status=status)
        if status in _TRANSIENT_STATUSES:
            # a proxy's 502/504 may come after the store applied a write; 503/429 mean it was turned away
            return StoreTransientError(message or f"store answered {status}", code=code, status=status,
                                       outcome_unknown=write and status in (502, 504))
        if status == 400:
            return StoreValidationError(message or "the store refused the data", code=code, status=status)
        return StoreUnexpectedError(message or f"unexpected answer {status}", code=code, status=status)

    async def _get_json(self, path: str, params: Mapping[str, str | int]) -> Any:
        response = await self._request("GET", path, params)
        return _json_of(response)

    async def _write(self, method: str, path: str, body: bytes, params: Mapping[str, str | int] | None = None) -> Any:
        response = await self._request(method, path, params, body)
        if not response.content:
            return None
        return _json_of(response)

    async def check_health(self) -> None:
        """One live round trip, for readiness probes: the store answers and accepts the key (else a StoreError)."""
        await self._get_json("/api/languages", {"display": "[id]", "limit": "1"})

    # languages and configuration ----------------------------------------------------------------------------
    async def languages(self) -> list[Language]:
        """The store's languages (cached for the gateway's life)."""
        if self._languages is None:
            payload = await self._get_json("/api/languages", {"display": "full"})
            self._languages = [decode_language(o) for o in objects_of(payload, "languages", "language")]
        return list(self._languages)

    async def _configuration(self, name: str) -> str | None:
        cached = self._config_cache.get(name)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        payload = await self._get_json("/api/configurations",
                                       {"display": "full", "filter[name]": f"[{name}]"})
        rows = [r for r in objects_of(payload, "configurations", "configuration") if r.get("name") == name]
        # several rows may exist (per shop); prefer this shop's, else the global one
        rows.sort(key=lambda r: (as_int(r.get("id_shop")) != self.shop_id, as_int(r.get("id_shop")) != 0))
        value = None if not rows or rows[0].get("value") is None else str(rows[0]["value"])
        self._config_cache[name] = (time.monotonic() + _CONFIG_TTL, value)
        return value

    async def _default_language_id(self, active: list[Language]) -> int:
        try:
            configured = as_int(await self._configuration("PS_LANG_DEFAULT"))
        except (StoreAuthError, StoreNotFound):
            configured = 0  # a key without access to configurations: fall back to the first language
        ids = [lang.id for lang in active]
        return configured if configured in ids else ids[0]

    async def _language_context(self) -> tuple[LanguageContext, str]:
        """The context to decode an answer, and the ``language`` parameter that asks for every active language."""
        languages = await self.languages()
        active = [lang for lang in languages if lang.active] or languages
        ids = [lang.id for lang in active]
        context = LanguageContext(languages, ids, await self._default_language_id(active))
        param = str(ids[0]) if len(ids) == 1 else "[" + "|".join(str(i) for i in ids) + "]"
        return context, param

    async def _lang_ids_by_iso(self) -> dict[str, int]:
        return {lang.iso_code: lang.id for lang in await self.languages() if lang.active}

    async def _localized_field(self, texts: Mapping[str, str], field: str) -> dict[int, str]:
        by_iso = await self._lang_ids_by_iso()
        out: dict[int, str] = {}
        for iso, text in texts.items():
            if iso not in by_iso:
                raise StoreValidationError(f"{field}: the store has no active language {iso!r}")
            out[by_iso[iso]] = text
        return out

    async def search_indexation_enabled(self) -> bool | None:
        """PS_SEARCH_INDEXATION: whether every product write re-indexes search. None when it cannot be read."""
        try:
            value = await self._configuration("PS_SEARCH_INDEXATION")
        except StoreError:
            return None
        return None if value is None else value.strip() == "1"

    async def _shop_allows_backorders(self) -> bool:
        try:
            return (await self._configuration("PS_ORDER_OUT_OF_STOCK") or "0").strip() == "1"
        except (StoreAuthError, StoreNotFound):
            return False  # cannot tell: assume the safe answer, orders are denied when stock is empty

    # products -----------------------------------------------------------------------------------------------
    async def get_product(self, product_id: int) -> Product:
        """The product with its product-level stock row and the store's computed tax-included price."""
        langs, language = await self._language_context()
        payload = await self._get_json(f"/api/products/{int(product_id)}", {
            "display": "full", "language": language, f"price[{_TAX_INCL_FIELD}][use_tax]": "1"})
        objects = objects_of(payload, "products", "product")
        if not objects:
            raise StoreNotFound(f"product {product_id} not found")
        stock = await self._find_stock(product_id)
        return decode_product(objects[0], langs, tax_incl_field=_TAX_INCL_FIELD, stock=stock)

    async def find_products_by_reference(self, reference: str) -> list[int]:
        """Ids of the products whose reference is exactly ``reference`` (PrestaShop does not make it unique)."""
        if not reference or any(c in reference for c in "[]|%"):
            raise StoreValidationError(f"reference {reference!r} cannot be searched with a webservice filter")
        payload = await self._get_json("/api/products", {
            "display": "[id,reference]", "filter[reference]": f"[{reference}]", "sort": "[id_ASC]"})
        # the store compares like MySQL (case-insensitively); keep exact matches only
        return [as_int(o.get("id")) for o in objects_of(payload, "products", "product")
                if str(o.get("reference", "")) == reference]

    async def patch_product(self, product_id: int, *, price_ht: Decimal | None = None,
                            seo: Mapping[str, Mapping[str, str]] | None = None,
                            fields: Mapping[str, Any] | None = None) -> None:
        """PATCH only the given fields. ``seo``: ``{"meta_title": {"en": "…"}, …}``; languages not given keep their
        text. ``fields``: other product fields by webservice name (text, bool, Decimal, int or ``{iso: text}``)."""
        body_fields: list[tuple[str, FieldValue]] = [("id", str(int(product_id)))]
        if price_ht is not None:
            body_fields.append(("price", _price_text(price_ht)))
        for name, texts in (seo or {}).items():
            if name not in SEO_FIELDS:
                raise StoreValidationError(f"unknown SEO field {name!r}")
            body_fields.append((name, await self._localized_field(texts, name)))
        for name, value in (fields or {}).items():
            if name == "id":
                continue
            if isinstance(value, Mapping):
                body_fields.append((name, await self._localized_field(value, name)))
            else:
                body_fields.append((name, _scalar_text(value)))
        if len(body_fields) == 1:
            raise ValueError("patch_product needs at least one change")
        await self._write("PATCH", f"/api/products/{int(product_id)}", build_body("product", body_fields))

    async def create_product(self, product: NewProduct) -> int:
        """POST a product with every field a POST would otherwise null; returns the new id.

        Not retried: on ``StoreTransientError(outcome_unknown=True)`` look the reference up before trying again.
        """
        languages = [lang for lang in await self.languages() if lang.active]
        default_id = await self._default_language_id(languages)
        iso_by_id = {lang.id: lang.iso_code for lang in languages}
        if not product.name:
            raise StoreValidationError("a product needs a name")
        fallback_name = product.name.get(iso_by_id[default_id]) or next(iter(product.name.values()))
        unknown = set(product.name) - set(iso_by_id.values())
        if unknown:
            raise StoreValidationError(f"name: the store has no active language {sorted(unknown)}")
        names = {lang_id: product.name.get(iso) or fallback_name for lang_id, iso in iso_by_id.items()}
        seo = dict(product.seo or {})
        for name in seo:
            if name not in SEO_FIELDS:
                raise StoreValidationError(f"unknown SEO field {name!r}")
        rewrites = {lang_id: (seo.get("link_rewrite") or {}).get(iso) or slugify(names[lang_id])
                    for lang_id, iso in iso_by_id.items()}
        categories = list(product.category_ids) or [2]
        default_category = product.id_category_default or categories[0]
        if default_category not in categories:
            categories.append(default_category)
        # Quirk: a POST nulls every omitted field, so everything that makes a product sellable and visible is sent.
        body_fields: list[tuple[str, FieldValue]] = [
            ("reference", product.reference),
            ("price", _price_text(product.price_ht)),
            ("id_tax_rules_group", str(product.id_tax_rules_group)),
            ("id_category_default", str(default_category)),
            ("state", "1"),
            ("active", "1" if product.active else "0"),
            ("visibility", "both"),
            ("available_for_order", "1"),
            ("show_price", "1"),
            ("minimal_quantity", "1"),
            ("product_type", "standard"),
            ("condition", "new"),
            ("name", names),
            ("link_rewrite", rewrites),
        ]
        if product.ean13:
            body_fields.append(("ean13", product.ean13))
        if product.weight is not None:
            body_fields.append(("weight", _scalar_text(product.weight)))
        if product.description is not None:
            body_fields.append(("description", await self._localized_field(product.description, "description")))
        if product.description_short is not None:
            body_fields.append(("description_short",
                                await self._localized_field(product.description_short, "description_short")))
        for name in ("meta_title", "meta_description"):
            if name in seo:
                body_fields.append((name, await self._localized_field(seo[name], name)))
        body = build_body("product", body_fields,
                          {"categories": ("category", [{"id": str(c)} for c in categories])})
        payload = await self._write("POST", "/api/products", body)
        created = objects_of(payload, "products", "product") if payload is not None else []
        new_id = as_int(created[0].get("id")) if created else 0
        if not new_id:
            raise StoreUnexpectedError("the store created a product but did not return its id")
        return new_id

    # stock --------------------------------------------------------------------------------------------------
    async def _find_stock(self, product_id: int) -> StockAvailable | None:
        payload = await self._get_json("/api/stock_availables", {
            "display": "full", "filter[id_product]": f"[{int(product_id)}]", "filter[id_product_attribute]": "[0]"})
        rows = objects_of(payload, "stock_availables", "stock_available")
        if not rows:
            return None
        # one row per shop: prefer this shop's
        rows.sort(key=lambda r: as_int(r.get("id_shop")) != self.shop_id)
        return decode_stock(rows[0], await self._shop_allows_backorders())

    async def get_stock(self, product_id: int) -> StockAvailable:
        """The product-level stock row (``id_product_attribute=0``) of a product."""
        stock = await self._find_stock(product_id)
        if stock is None:
            raise StoreNotFound(f"no stock row for product {product_id}")
        return stock

    async def set_stock_quantity(self, stock_available_id: int, quantity: int) -> None:
        """Set an absolute quantity (the webservice has no atomic increment; see docs/prestashop.md)."""
        body = build_body("stock_available", [("id", str(int(stock_available_id))), ("quantity", str(int(quantity)))])
        await self._write("PATCH", f"/api/stock_availables/{int(stock_available_id)}", body)

    # orders -------------------------------------------------------------------------------------------------
    async def order_states(self) -> list[OrderState]:
        langs, language = await self._language_context()
        payload = await self._get_json("/api/order_states", {"display": "full", "language": language,
                                                             "sort": "[id_ASC]"})
        states = [decode_order_state(o, langs) for o in objects_of(payload, "order_states", "order_state")]
        self._order_states = {s.id: s for s in states}
        return states

    async def _order_state(self, state_id: int) -> OrderState | None:
        if state_id not in self._order_states:
            await self.order_states()
        return self._order_states.get(state_id)

    async def get_order(self, order_id: int) -> Order:
        """The order with its rows, current state name, carrier record and tracking number."""
        langs, language = await self._language_context()
        payload = await self._get_json(f"/api/orders/{int(order_id)}", {"display": "full", "language": language})
        objects = objects_of(payload, "orders", "order")
        if not objects:
            raise StoreNotFound(f"order {order_id} not found")
        obj = objects[0]
        state = await self._order_state(as_int(obj.get("current_state")))
        carrier = await self.get_order_carrier(order_id)
        return decode_order(obj, state, langs, carrier)

    async def add_order_history(self, order_id: int, order_state_id: int, *, send_email: bool) -> int:
        """POST an order history row (this is how PrestaShop changes an order's status); returns its id.

        PrestaShop does not refuse the order's current state: posting it again duplicates history, e-mails,
        invoices and stock movements. Callers check the current state first.
        """
        body = build_body("order_history", [("id_order", str(int(order_id))),
                                            ("id_order_state", str(int(order_state_id)))])
        params = {"sendemail": "1"} if send_email else None
        payload = await self._write("POST", "/api/order_histories", body, params)
        created = objects_of(payload, "order_histories", "order_history") if payload is not None else []
        history_id = as_int(created[0].get("id")) if created else 0
        if not history_id:
            raise StoreUnexpectedError("the store added an order history row but did not return its id")
        return history_id

    async def get_order_carrier(self, order_id: int) -> OrderCarrier | None:
        """The order's carrier record (the latest one if there are several), or None."""
        payload = await self._get_json("/api/order_carriers", {
            "display": "full", "filter[id_order]": f"[{int(order_id)}]", "sort": "[id_DESC]"})
        rows = objects_of(payload, "order_carriers", "order_carrier")
        if not rows:
            return None
        rows.sort(key=lambda r: as_int(r.get("id")), reverse=True)
        return decode_order_carrier(rows[0])

    async def set_tracking_number(self, order_carrier_id: int, tracking_number: str, *, send_email: bool) -> None:
        """PATCH the carrier record's tracking number; with ``send_email`` the store sends its "in transit" mail.
        The store validates the format (``is_valid_tracking_number`` tells in advance)."""
        body = build_body("order_carrier", [("id", str(int(order_carrier_id))), ("tracking_number", tracking_number)])
        params = {"sendemail": "1"} if send_email else None
        await self._write("PATCH", f"/api/order_carriers/{int(order_carrier_id)}", body, params)


def _price_text(price: Decimal) -> str:
    price = Decimal(price)
    if not price.is_finite() or price < 0:
        raise StoreValidationError(f"price {price} must be a non-negative number")
    exponent = price.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -6 and price != price.quantize(Decimal("0.000001")):
        raise StoreValidationError(f"price {price} has more than 6 decimals")
    return f"{price.quantize(Decimal('0.000001')):f}"


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def _json_of(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError as exc:
        raise StoreUnexpectedError(f"the store's answer is not JSON: {response.text[:200]!r}",
                                   status=response.status_code) from exc


def _error_of(response: httpx.Response) -> tuple[int | None, str]:
    """PrestaShop's first error (code, message) from a JSON or XML error document, or (None, a text excerpt)."""
    content = response.content.strip()
    if not content:
        return None, ""
    try:
        payload = json.loads(content)
        errors = payload.get("errors") if isinstance(payload, dict) else None
        if errors:
            first = errors[0]
            return as_int(first.get("code"), 0) or None, str(first.get("message", ""))
    except ValueError:
        pass
    if content.startswith(b"<"):
        try:
            root = ET.fromstring(content)
            error = root.find("./errors/error")
            if error is not None:
                return (as_int(error.findtext("code"), 0) or None), (error.findtext("message") or "")
        except ET.ParseError:
            pass
    text = re.sub(r"<[^>]+>", " ", response.text)
    return None, " ".join(text.split())[:200]
