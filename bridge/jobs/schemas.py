"""The payloads of the three writes (contract section 6), and how a request body becomes one.

Each payload is a msgspec ``Struct`` with ``forbid_unknown_fields=True``: that type is the single description of
what a client may send, and the workflows engineer decodes a stored payload back into the same type
(``msgspec.convert(job.payload, UpdateProductPayload)``).

:func:`parse_payload` turns the raw body into the *canonical payload*, the plain dict stored in ``jobs.payload``
and fingerprinted for idempotency. Canonical means: defaults filled in (``notify_customer: false``, empty
``options``), absent optional fields left out, decimals as strings in plain fixed-point notation with no
trailing zeros (``12.50`` and ``"12.5"`` are the same intention: ``"12.5"``).

Why the field-by-field walk below instead of one ``msgspec.convert``: msgspec stops at the first error, but the
contract wants a 400 to list every invalid field (``errors: [{pointer, detail}, ...]``) so an agent can fix its
payload in one round trip. The walk converts each field on its own with msgspec (so msgspec still does the
type and constraint checking) and collects the errors; the final typed conversion then runs on a payload that
is known to be valid.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from bridge.errors import BadRequest, ValidationFailed
from workflows.contracts import KIND_IMPORT_PRODUCTS, KIND_UPDATE_ORDER_STATUS, KIND_UPDATE_PRODUCT

MAX_IMPORT_ITEMS = 50
PRICE_MAX_DECIMAL_PLACES = 6
PRICE_MAX_EXCLUSIVE = Decimal(10) ** 14
"""PrestaShop stores prices as DECIMAL(20,6): at most 14 digits before the point."""

TRACKING_NUMBER_PATTERN = r"^[~:#,%&_=()\[\].? +\-@/a-zA-Z0-9]+$"
"""PrestaShop's ``Validate::isTrackingNumber``; at most 64 characters."""

OrderStatusName = Literal[
    "awaiting_payment",
    "payment_accepted",
    "processing",
    "shipped",
    "delivered",
    "canceled",
    "refunded",
    "payment_error",
    "backorder",
]
ORDER_STATUS_NAMES: tuple[str, ...] = get_args(OrderStatusName)

# --- field types ---------------------------------------------------------------------------------------------
LanguageIso = Annotated[str, Meta(pattern=r"^[a-z]{2}$", description="language ISO code, e.g. en")]


def _localized(value_type: Any) -> Any:
    """A string in the shop's default language, or an object keyed by language ISO code."""
    return Union[value_type, Annotated[dict[LanguageIso, value_type], Meta(min_length=1)]]  # noqa: UP007


MetaTitle = _localized(Annotated[str, Meta(max_length=255)])
MetaDescription = _localized(Annotated[str, Meta(max_length=512)])
LinkRewrite = _localized(Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[0-9A-Za-z_-]+$")])
ProductName = _localized(Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[^<>;=#{}]*$")])
Description = _localized(str)
PositiveId = Annotated[int, Meta(gt=0, le=2**31 - 1)]
Reference = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[^<>;={}]*$")]
BatchId = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Ean13 = Annotated[str, Meta(pattern=r"^[0-9]{0,13}$")]
TrackingNumber = Annotated[str, Meta(max_length=64, pattern=TRACKING_NUMBER_PATTERN)]
# Decimal constraints (>= 0, at most 6 places) are not expressible with msgspec.Meta: checked in _decimal_errors.
Amount = Annotated[
    Decimal,
    Meta(extra_json_schema={"minimum": 0,
                            "description": "a decimal >= 0 with at most 6 decimal places, as a string or a number"}),
]


class _Payload(Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every payload struct (unknown fields are errors, never silently dropped)."""


class SeoFields(_Payload):
    meta_title: MetaTitle | UnsetType = UNSET
    meta_description: MetaDescription | UnsetType = UNSET
    link_rewrite: LinkRewrite | UnsetType = UNSET


# --- update_product ------------------------------------------------------------------------------------------
class ProductUpdates(_Payload):
    price_ht: Amount | UnsetType = UNSET
    """Tax-excluded price; the only price a client may change."""
    stock_delta: Annotated[int, Meta(ge=-(2**31), le=2**31 - 1)] | UnsetType = UNSET
    """Added to the sellable quantity (negative removes); never zero."""
    seo: SeoFields | UnsetType = UNSET


class UpdateProductOptions(_Payload):
    skip_reindex: bool = False


class UpdateProductPayload(_Payload):
    product_id: PositiveId
    updates: ProductUpdates
    options: UpdateProductOptions = msgspec.field(default_factory=UpdateProductOptions)


# --- import_products -----------------------------------------------------------------------------------------
class ImportItem(_Payload):
    reference: Reference
    """The SKU, and the item's identity within the batch."""
    name: ProductName
    price_ht: Amount
    quantity: Annotated[int, Meta(ge=0, le=2**31 - 1)] | UnsetType = UNSET
    active: bool | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    seo: SeoFields | UnsetType = UNSET
    category_ids: Annotated[list[PositiveId], Meta(max_length=100)] | UnsetType = UNSET
    ean13: Ean13 | UnsetType = UNSET
    weight: Amount | UnsetType = UNSET


class ImportOptions(_Payload):
    update_existing: bool = False
    skip_reindex: bool = False


class ImportProductsPayload(_Payload):
    batch_id: BatchId
    items: Annotated[list[ImportItem], Meta(min_length=1, max_length=MAX_IMPORT_ITEMS)]
    options: ImportOptions = msgspec.field(default_factory=ImportOptions)


# --- update_order_status -------------------------------------------------------------------------------------
class UpdateOrderStatusPayload(_Payload):
    order_id: PositiveId
    new_status: PositiveId | OrderStatusName
    """A PrestaShop order-state id, or one of the bridge's stable names (resolved by the store's state flags)."""
    notify_customer: bool = False
    tracking_number: TrackingNumber | UnsetType = UNSET


PAYLOAD_TYPES: dict[str, type[_Payload]] = {
    KIND_UPDATE_PRODUCT: UpdateProductPayload,
    KIND_IMPORT_PRODUCTS: ImportProductsPayload,
    KIND_UPDATE_ORDER_STATUS: UpdateOrderStatusPayload,
}


# --- parsing ---------------------------------------------------------------------------------------------
class FieldError(Struct, frozen=True):
    pointer: str
    """RFC 6901 JSON pointer into the request body, e.g. ``/updates/price_ht``."""
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "detail": self.detail}


# A JSON decoder that keeps every JSON number with a fraction or exponent as an exact Decimal (``float_hook``
# receives the number's text), so ``19.99`` never passes through a binary float.
_JSON_DECODER = msgspec.json.Decoder(float_hook=Decimal)

_TTC_KEY = re.compile(r"ttc|tax_?incl|incl(uding)?_?tax|with_?tax", re.IGNORECASE)
_DECIMAL_STRING = re.compile(r"^[0-9]{1,20}(\.[0-9]{1,20})?$")
_MSGSPEC_PATH = re.compile(r"^(?P<detail>.*?)(?: - at `(?P<key>key` in `)?\$(?P<path>[^`]*)`)?$", re.DOTALL)
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")


def parse_payload(kind: str, body: bytes) -> dict[str, Any]:
    """Validate ``body`` for ``kind`` and return its canonical payload.

    Raises :class:`~bridge.errors.BadRequest` (``invalid_json``), ``ttc_price_forbidden`` (checked before any
    other schema rule: a client trying to set a tax-included price learns exactly that) or
    :class:`~bridge.errors.ValidationFailed` with one ``errors`` entry per invalid field.
    """
    payload_type = PAYLOAD_TYPES[kind]
    try:
        raw = _JSON_DECODER.decode(body)
    except msgspec.DecodeError as exc:
        raise BadRequest(
            "the request body is not valid JSON", code="invalid_json", errors=[{"pointer": "", "detail": str(exc)}]
        ) from None
    ttc = [FieldError(pointer, "only the tax-excluded price (price_ht) may be set") for pointer in _ttc_pointers(raw)]
    if ttc:
        raise ValidationFailed(
            "tax-included prices cannot be set: send price_ht (tax excluded); PrestaShop derives the "
            "tax-included price from the product's tax rules",
            code="ttc_price_forbidden",
            errors=[e.as_dict() for e in ttc],
        )
    errors = list(_struct_errors(payload_type, raw, ""))
    if not errors:
        errors = list(_semantic_errors(kind, raw))
    if not errors:
        try:
            typed = msgspec.convert(raw, payload_type)
        except msgspec.ValidationError as exc:  # a rule the walk missed: still answer 400 with a pointer
            errors = [_from_msgspec_error(exc, "")]
        else:
            return canonical_payload(typed)
    raise ValidationFailed(
        f"the {kind} payload is not valid ({len(errors)} invalid field{'s' if len(errors) != 1 else ''})",
        errors=[e.as_dict() for e in errors],
    )


def canonical_payload(payload: _Payload) -> dict[str, Any]:
    """The plain-JSON form stored in ``jobs.payload`` (UNSET fields omitted, decimals as canonical strings)."""
    builtins = msgspec.to_builtins(payload, builtin_types=(Decimal,))
    return _decimals_as_text(builtins)


def decimal_text(value: Decimal) -> str:
    """Plain fixed-point text with no trailing zeros: ``12.50`` → ``12.5``, ``1E+3`` → ``1000``, ``-0`` → ``0``."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def _decimals_as_text(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dict):
        return {k: _decimals_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals_as_text(v) for v in value]
    return value


# --- the walk --------------------------------------------------------------------------------------------------
def _pointer_token(name: str | int) -> str:
    return str(name).replace("~", "~0").replace("/", "~1")


def _ttc_pointers(value: Any, pointer: str = "") -> Iterator[str]:
    """Every key, at any depth, that names a tax-included price."""
    if isinstance(value, dict):
        for key, child in value.items():
            here = f"{pointer}/{_pointer_token(key)}"
            if _TTC_KEY.search(key):
                yield here
            yield from _ttc_pointers(child, here)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _ttc_pointers(child, f"{pointer}/{index}")


def _unwrap(tp: Any) -> tuple[Any, list[Meta]]:
    metas: list[Meta] = []
    while get_origin(tp) is Annotated:
        tp, *extra = get_args(tp)
        metas.extend(m for m in extra if isinstance(m, Meta))
    return tp, metas


def _struct_errors(struct_type: type[Struct], value: Any, pointer: str) -> Iterator[FieldError]:
    if not isinstance(value, dict):
        yield FieldError(pointer, f"Expected `object`, got `{_json_type(value)}`")
        return
    fields = {f.encode_name: f for f in msgspec.structs.fields(struct_type)}
    for key in value:
        if key not in fields:
            yield FieldError(f"{pointer}/{_pointer_token(key)}", "unknown field")
    for name, field in fields.items():
        here = f"{pointer}/{_pointer_token(name)}"
        if name not in value:
            if field.required:
                yield FieldError(here, "required field is missing")
            continue
        yield from _value_errors(field.type, value[name], here)


def _value_errors(tp: Any, value: Any, pointer: str) -> Iterator[FieldError]:
    base, metas = _unwrap(tp)
    members = [m for m in get_args(base) if m is not UnsetType] if _is_union(base) else [base]
    if len(members) == 1:
        inner, inner_metas = _unwrap(members[0])
        metas = metas + inner_metas
        if isinstance(inner, type) and issubclass(inner, Struct):
            yield from _struct_errors(inner, value, pointer)
            return
        if get_origin(inner) is list:
            (item_type,) = get_args(inner)
            item_base, _ = _unwrap(item_type)
            if isinstance(item_base, type) and issubclass(item_base, Struct):
                yield from _list_of_structs_errors(item_base, metas, value, pointer)
                return
    try:
        converted = msgspec.convert(value, tp)
    except msgspec.ValidationError as exc:
        error = _from_msgspec_error(exc, pointer)
        names = _literal_values(tp)
        if names and error.pointer == pointer:
            error = FieldError(pointer, f"{error.detail}; expected a positive id or one of: {', '.join(names)}")
        yield error
        return
    yield from _decimal_errors(value, converted, pointer)


def _literal_values(tp: Any) -> list[str]:
    base, _ = _unwrap(tp)
    if get_origin(base) is Literal:
        return [str(v) for v in get_args(base)]
    if _is_union(base):
        return [v for member in get_args(base) for v in _literal_values(member)]
    return []


def _is_union(tp: Any) -> bool:
    return get_origin(tp) is Union or isinstance(tp, types.UnionType)


def _list_of_structs_errors(item_type: type[Struct], metas: list[Meta], value: Any, pointer: str) -> Iterator[FieldError]:
    if not isinstance(value, list):
        yield FieldError(pointer, f"Expected `array`, got `{_json_type(value)}`")
        return
    for meta in metas:
        if meta.min_length is not None and len(value) < meta.min_length:
            yield FieldError(pointer, f"Expected an array of at least {meta.min_length} item(s)")
            return
        if meta.max_length is not None and len(value) > meta.max_length:
            yield FieldError(pointer, f"Expected an array of at most {meta.max_length} items, got {len(value)}")
            return
    for index, item in enumerate(value):
        yield from _struct_errors(item_type, item, f"{pointer}/{index}")


def _decimal_errors(raw: Any, converted: Any, pointer: str) -> Iterator[FieldError]:
    if not isinstance(converted, Decimal):
        return
    if isinstance(raw, str) and not _DECIMAL_STRING.match(raw):
        yield FieldError(pointer, "Expected a decimal number such as 12.5 or \"12.50\"")
    elif not converted.is_finite():
        yield FieldError(pointer, "Expected a finite decimal number")
    elif converted < 0:
        yield FieldError(pointer, "Expected a decimal >= 0")
    elif converted >= PRICE_MAX_EXCLUSIVE:
        yield FieldError(pointer, f"Expected a decimal < {PRICE_MAX_EXCLUSIVE:f}")
    elif -converted.normalize().as_tuple().exponent > PRICE_MAX_DECIMAL_PLACES:  # type: ignore[operator]
        yield FieldError(pointer, f"Expected at most {PRICE_MAX_DECIMAL_PLACES} decimal places")


def _semantic_errors(kind: str, raw: dict[str, Any]) -> Iterator[FieldError]:
    """Rules that span fields; run once every field is individually valid."""
    if kind == KIND_UPDATE_PRODUCT:
        updates = raw["updates"]
        if not updates or not any(k in updates for k in ("price_ht", "stock_delta", "seo")):
            yield FieldError("/updates", "at least one update (price_ht, stock_delta or seo) is required")
        if updates.get("stock_delta") == 0:
            yield FieldError("/updates/stock_delta", "must not be zero")
        if "seo" in updates and not updates["seo"]:
            yield FieldError("/updates/seo", "at least one SEO field is required")
    elif kind == KIND_IMPORT_PRODUCTS:
        first_index: dict[str, int] = {}
        for index, item in enumerate(raw["items"]):
            reference = item["reference"]
            if reference in first_index:
                yield FieldError(
                    f"/items/{index}/reference",
                    f"duplicate reference {reference!r} (already used by item {first_index[reference]})",
                )
            else:
                first_index[reference] = index


def _from_msgspec_error(exc: msgspec.ValidationError, pointer: str) -> FieldError:
    """``Expected `int`, got `str` - at `$.updates.price_ht``` → pointer ``/updates/price_ht`` + the message."""
    match = _MSGSPEC_PATH.match(str(exc))
    assert match is not None  # the pattern matches any text
    detail, path = match.group("detail"), match.group("path") or ""
    if match.group("key"):
        detail = f"invalid object key: {detail}"
    for name, index in _PATH_PART.findall(path):
        if index == "...":  # msgspec does not name a dict key in its path: stop at the object itself
            break
        pointer += "/" + _pointer_token(name or index)
    return FieldError(pointer, detail)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, Decimal)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
