"""The PrestaShop 9 legacy webservice (``/api/…``) as the simulator answers it, quirks included.

Each quirk reproduced on purpose carries a comment starting with "Quirk:" that names it; the facts come from
/work/shared/prestashop-notes.md (read from PrestaShop 9.0 sources). Where the notes do not fix an error code the
simulator uses the one PrestaShop's WebserviceRequest uses as far as we know; a contract test run against a real
store checks the classes of errors, not these exact codes.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from bridge.store_simulator.resources import ALL_METHODS, RESOURCES, VALIDATORS, Field, Resource
from bridge.store_simulator.seed import TAX_RATES, blank_object
from bridge.store_simulator.storage import SimulatorStorage
from bridge.store_simulator.wire import (
    ParsedBody,
    RenderOptions,
    WebserviceError,
    parse_body,
    render_errors,
    render_list_json,
    render_list_xml,
    render_single_json,
    render_single_xml,
)

PSWS_VERSION = "9.0.0"


@dataclass
class WsResponse:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class WsRequest:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def param(self, name: str) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return None


@dataclass
class ApiKey:
    key: str
    active: bool = True
    # resource -> allowed methods; None means every resource with every method
    permissions: dict[str, set[str]] | None = None


def now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


class Webservice:
    """Answers one webservice request against the simulator's storage."""

    def __init__(self, storage: SimulatorStorage, api_key: str, shop_domain: str) -> None:
        self.storage = storage
        self.shop_domain = shop_domain
        self.keys: dict[str, ApiKey] = {api_key: ApiKey(api_key)}

    # configuration helpers ------------------------------------------------------------------------------------
    def config(self, name: str) -> str | None:
        for row in self.storage.find("configurations", "name", name):
            return str(row["value"])
        return None

    def set_config(self, name: str, value: str) -> None:
        for row in self.storage.find("configurations", "name", name):
            if row["name"] == name:
                row["value"] = value
                row["date_upd"] = now()
                self.storage.replace("configurations", row)
                return
        obj = blank_object(RESOURCES["configurations"])
        obj.update(name=name, value=value, date_add=now(), date_upd=now())
        self.storage.insert("configurations", obj)

    def active_language_ids(self) -> list[int]:
        return [lang["id"] for lang in self.storage.all("languages") if lang["active"] == "1"]

    # entry point --------------------------------------------------------------------------------------------
    def handle(self, request: WsRequest) -> WsResponse:
        # Quirk: the output is XML unless output_format=JSON (query) or Io-Format: JSON (header); the comparison is
        # case-sensitive, so output_format=json still answers XML.
        json_output = request.param("output_format") == "JSON" or request.headers.get("io-format") == "JSON"
        try:
            return self._handle(request, json_output)
        except WebserviceError as exc:
            return self._error(exc.status, [(exc.code, exc.message)], json_output)

    def _error(self, status: int, errors: list[tuple[int, str]], json_output: bool) -> WsResponse:
        return WsResponse(status, render_errors(errors, json_output), self._headers(json_output))

    @staticmethod
    def _headers(json_output: bool) -> list[tuple[str, str]]:
        content_type = "application/json" if json_output else "text/xml;charset=utf-8"
        # Authenticated answers carry PSWS-Version.
        return [("content-type", content_type), ("psws-version", PSWS_VERSION)]

    def _handle(self, request: WsRequest, json_output: bool) -> WsResponse:
        # Quirk: without id_shop, PrestaShop resolves the shop from the Host header and redirects a Host that is
        # not the shop's domain to the canonical URL (before the webservice even looks at the key).
        host = request.headers.get("host", "").rsplit(":", 1)[0] if ":" in request.headers.get("host", "") \
            else request.headers.get("host", "")
        if request.param("id_shop") is None and host != self.shop_domain.split(":", 1)[0]:
            query = "&".join(f"{k}={v}" for k, v in request.query)
            location = f"http://{self.shop_domain}{request.path}" + (f"?{query}" if query else "")
            return WsResponse(302, b"", [("location", location), ("content-type", "text/html; charset=utf-8")])

        key = self._key_from(request)
        if key is None:
            # Quirk: no key at all -> a plain-text 401 with WWW-Authenticate (no error document, no PSWS-Version).
            return WsResponse(
                401,
                b"401 Unauthorized",
                [("content-type", "text/html; charset=utf-8"),
                 ("www-authenticate", 'Basic realm="Welcome to PrestaShop Webservice, please enter the '
                                      'authentication key as the login. No password required."')],
            )
        # Quirk: the webservice ships disabled; every call then answers 503 with code 22.
        if self.config("PS_WEBSERVICE") != "1":
            raise WebserviceError(503, 22, "The PrestaShop webservice is disabled. Please activate it in the "
                                           "PrestaShop Back Office")
        if len(key) != 32:
            raise WebserviceError(401, 18, "Invalid authentication key format")
        account = self.keys.get(key)
        if account is None:
            raise WebserviceError(401, 20, "Authentication key does not exist")
        if not account.active:
            raise WebserviceError(401, 21, "Authentication key is not active")

        segments = [s for s in request.path.split("/") if s][1:]  # drop "api"
        if request.method not in ALL_METHODS:
            raise WebserviceError(405, 25, f"Method {request.method} is not valid")
        if not segments:
            return WsResponse(200, b"{}" if json_output else b"<prestashop/>", self._headers(json_output))
        resource = RESOURCES.get(segments[0])
        if resource is None:
            raise WebserviceError(400, 16, f'Resource of type "{segments[0]}" does not exists')
        if account.permissions is not None:
            allowed = account.permissions.get(resource.name)
            # Quirk: a resource the key may not use -> 401 code 26; a method it may not use -> 405 code 25.
            if allowed is None:
                raise WebserviceError(401, 26, f'Resource of type "{resource.name}" is not allowed with this '
                                               f"authentication key")
            method = "GET" if request.method == "HEAD" else request.method
            if method not in allowed:
                raise WebserviceError(405, 25, f"Method {request.method} is not allowed for the resource "
                                               f"{resource.name} with this authentication key")
        if request.method in resource.forbidden_methods:
            raise WebserviceError(405, 73, f"This method ({request.method}) is not allowed with this resource")

        object_id: int | None = None
        if len(segments) > 1:
            if not segments[1].isdigit():
                raise WebserviceError(400, 79, "Bad id")
            object_id = int(segments[1])

        if request.method in ("GET", "HEAD"):
            response = self._get(resource, object_id, request, json_output)
            if request.method == "HEAD":
                response.body = b""
            return response
        if request.method == "POST":
            return self._post(resource, request, json_output)
        if request.method in ("PUT", "PATCH"):
            return self._update(resource, object_id, request, json_output)
        return self._delete(resource, object_id, json_output)

    @staticmethod
    def _key_from(request: WsRequest) -> str | None:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                user = base64.b64decode(auth[6:].strip()).decode().split(":", 1)[0]
            except (ValueError, UnicodeDecodeError):
                user = ""
            if user:
                return user
        ws_key = request.param("ws_key")
        return ws_key or None

    # reads ----------------------------------------------------------------------------------------------------
    def _render_options(self, resource: Resource, request: WsRequest, json_output: bool) -> RenderOptions:
        display_param = request.param("display")
        display: list[str] | None
        if display_param is None or display_param == "full":
            display = None
        else:
            names = display_param.strip("[]").split(",")
            display = [n.strip() for n in names if n.strip()]
            for name in display:
                if name not in ("id", "associations") and resource.field(name) is None:
                    raise WebserviceError(400, 35, f'Unable to display this field "{name}"')
        return RenderOptions(json_output, self._languages(request), display)

    def _languages(self, request: WsRequest) -> list[int]:
        active = self.active_language_ids()
        param = request.param("language")
        if param is None:
            return active
        spec = param.strip()
        if spec.startswith("[") and spec.endswith("]"):
            inner = spec[1:-1]
            if "," in inner:
                low, _, high = inner.partition(",")
                wanted = [i for i in active if int(low or 0) <= i <= int(high or 10**9)]
            else:
                wanted = [int(x) for x in inner.split("|") if x.isdigit()]
        else:
            wanted = [int(spec)] if spec.isdigit() else []
        selected = [i for i in active if i in wanted]
        if not selected:
            raise WebserviceError(400, 38, "Language ID not valid")
        return selected

    def _price_fields(self, product: dict[str, Any], request: WsRequest) -> dict[str, str]:
        """``price[NAME][use_tax]=1`` adds a computed field NAME (tax-included price when use_tax=1)."""
        extra: dict[str, str] = {}
        for key, value in request.query:
            match = re.fullmatch(r"price\[(\w+)\]\[use_tax\]", key)
            if match:
                price = Decimal(product["price"])
                if value == "1":
                    rate = TAX_RATES.get(int(product["id_tax_rules_group"]), Decimal(0))
                    price = price * (Decimal(1) + rate / Decimal(100))
                extra[match.group(1)] = f"{price.quantize(Decimal('0.000001'), rounding=ROUND_HALF_UP):f}"
        return extra

    def _load(self, resource: Resource, object_id: int) -> dict[str, Any] | None:
        obj = self.storage.get(resource.name, object_id)
        return None if obj is None else self._with_associations(resource, obj)

    def _with_associations(self, resource: Resource, obj: dict[str, Any]) -> dict[str, Any]:
        if resource.name == "products":
            # the stock_availables association is PrestaShop's own view of the stock rows
            obj.setdefault("associations", {})["stock_availables"] = [
                {"id": str(row["id"]), "id_product_attribute": row["id_product_attribute"]}
                for row in self.storage.find("stock_availables", "id_product", str(obj["id"]))
            ]
        return obj

    def _candidates(self, resource: Resource, request: WsRequest) -> list[dict[str, Any]]:
        """The objects a list GET starts from: those an equality filter on an indexed field allows (a superset
        of what ``_filter`` keeps, read through the storage's lookups), else every object of the resource."""
        ids: set[int] | None = None
        for key, spec in request.query:
            match = re.fullmatch(r"filter\[(\w+)\]", key)
            if not match or not self.storage.is_indexed(resource.name, match.group(1)):
                continue
            f = resource.field(match.group(1))
            values = _equality_values(spec)
            if f is None or f.lang or values is None:
                continue
            found = set(self.storage.find_ids(resource.name, f.name, values))
            ids = found if ids is None else ids & found
        if ids is None:
            return self.storage.all(resource.name)
        return self.storage.get_many(resource.name, sorted(ids))

    def _get(self, resource: Resource, object_id: int | None, request: WsRequest, json_output: bool) -> WsResponse:
        options = self._render_options(resource, request, json_output)
        if object_id is not None:
            obj = self._load(resource, object_id)
            if obj is None:
                # Quirk: an unknown id on GET -> 404 with an empty body (no error document).
                return WsResponse(404, b"", self._headers(json_output))
            if resource.name == "products":
                options.extra_fields = self._price_fields(obj, request)
            if request.param("display") is not None:
                # with display=…, a single object comes back in the list form {"products":[{…}]}
                render = render_list_json if json_output else render_list_xml
                return WsResponse(200, render(resource, [obj], options, False), self._headers(json_output))
            render_single = render_single_json if json_output else render_single_xml
            return WsResponse(200, render_single(resource, obj, options), self._headers(json_output))

        objects = [self._with_associations(resource, o) for o in self._candidates(resource, request)]
        objects = self._filter(resource, objects, request, options.language_ids)
        objects = self._sort(resource, objects, request.param("sort"))
        objects = self._limit(objects, request.param("limit"))
        ids_only = request.param("display") is None
        if json_output:
            body = self._render_list_json_with_prices(resource, objects, options, ids_only, request)
        else:
            body = render_list_xml(resource, objects, options, ids_only)
        return WsResponse(200, body, self._headers(json_output))

    def _render_list_json_with_prices(self, resource: Resource, objects: list[dict[str, Any]],
                                      options: RenderOptions, ids_only: bool, request: WsRequest) -> bytes:
        if resource.name != "products" or ids_only or not objects:
            return render_list_json(resource, objects, options, ids_only)
        # computed price fields differ per product: render one by one and join
        import json

        items = []
        for obj in objects:
            per_object = RenderOptions(options.json_output, options.language_ids, options.display,
                                       self._price_fields(obj, request))
            items.append(json.loads(render_list_json(resource, [obj], per_object, False))[resource.name][0])
        return json.dumps({resource.name: items}, ensure_ascii=False).encode()

    def _filter(self, resource: Resource, objects: list[dict[str, Any]], request: WsRequest,
                language_ids: list[int]) -> list[dict[str, Any]]:
        for key, spec in request.query:
            match = re.fullmatch(r"filter\[(\w+)\]", key)
            if not match:
                continue
            name = match.group(1)
            f = resource.field(name)
            if name != "id" and f is None:
                raise WebserviceError(400, 32, f'This filter does not exist. Did you mean: "{name}"?')

            def values_of(obj: dict[str, Any], name: str = name, f: Field | None = f) -> list[str]:
                value = obj.get(name)
                if f is not None and f.lang:
                    return [str(value.get(str(i), "")) for i in language_ids]
                return [str(value)]

            objects = [o for o in objects if any(_filter_matches(spec, v) for v in values_of(o))]
        return objects

    @staticmethod
    def _sort(resource: Resource, objects: list[dict[str, Any]], sort: str | None) -> list[dict[str, Any]]:
        if not sort:
            return objects
        for part in reversed(sort.strip("[]").split(",")):
            name, _, direction = part.rpartition("_")
            if not name or direction not in ("ASC", "DESC"):
                raise WebserviceError(400, 37, 'The "sort" value has to be formed as this example: '
                                               '"field_ASC" or \'[field_1_DESC,field_2_ASC,...]\'')

            def sort_key(o: dict[str, Any], name: str = name) -> Any:
                value = o.get(name, "")
                try:
                    return (0, Decimal(str(value)), "")
                except InvalidOperation:
                    return (1, Decimal(0), str(value))

            objects = sorted(objects, key=sort_key, reverse=direction == "DESC")
        return objects

    @staticmethod
    def _limit(objects: list[dict[str, Any]], limit: str | None) -> list[dict[str, Any]]:
        if not limit:
            return objects
        parts = limit.split(",")
        try:
            if len(parts) == 1:
                return objects[: int(parts[0])]
            return objects[int(parts[0]): int(parts[0]) + int(parts[1])]
        except ValueError as exc:
            raise WebserviceError(400, 37, "The limit value is not valid") from exc

    # writes ---------------------------------------------------------------------------------------------------
    def _parse_write(self, resource: Resource, request: WsRequest) -> ParsedBody:
        parsed = parse_body(request.body, resource)
        for name in parsed.fields:
            f = resource.field(name)
            if f is not None and not f.writable:
                # Quirk: a read-only field (products.quantity) in a write -> 400 code 93.
                raise WebserviceError(400, 93, f'parameter "{name}" not writable. Please remove this attribute '
                                               f"of this XML")
        return parsed

    def _assign(self, resource: Resource, obj: dict[str, Any], parsed: ParsedBody, *, null_omitted: bool) -> None:
        """Copy the sent fields onto ``obj``; with ``null_omitted`` (POST, PUT) every omitted field becomes 0/''."""
        languages = [str(i) for i in self.active_language_ids()]
        for f in resource.fields:
            if not f.writable:
                continue
            if f.name in parsed.fields:
                sent = parsed.fields[f.name]
                if f.lang:
                    if not isinstance(sent, dict):
                        raise WebserviceError(400, 85, f'Validation error: "Property {resource.singular}->{f.name} '
                                                       f'must be given per language"')
                    current = {} if null_omitted else dict(obj.get(f.name) or {})
                    for lang_id in languages:
                        if lang_id in sent:
                            current[lang_id] = sent[lang_id]
                        elif null_omitted:
                            # Quirk: POST/PUT null a language that is not sent.
                            current[lang_id] = ""
                    obj[f.name] = current
                else:
                    obj[f.name] = _normalise_scalar(f, sent if isinstance(sent, str) else "")
            elif null_omitted:
                # Quirk: PUT replaces the whole object and POST starts from nothing: every omitted field becomes
                # 0/'' (a product turns inactive and invisible, a stock row loses its shop).
                obj[f.name] = {lang_id: "" for lang_id in languages} if f.lang else f.null_value()
        if parsed.associations is not None:
            associations = dict(obj.get("associations") or {})
            for name, items in parsed.associations.items():
                if name in resource.associations and name != "stock_availables":
                    associations[name] = items
            obj["associations"] = associations
        elif null_omitted and resource.associations:
            obj["associations"] = {name: [] for name in resource.associations}

    def _validate(self, resource: Resource, obj: dict[str, Any]) -> None:
        default_lang = self.config("PS_LANG_DEFAULT") or "1"
        for f in resource.fields:
            value = obj.get(f.name)
            values = list(value.values()) if f.lang and isinstance(value, dict) else [value]
            if f.required:
                required_value = value.get(default_lang, "") if f.lang and isinstance(value, dict) else value
                if required_value in ("", None):
                    raise WebserviceError(400, 85, f'Validation error: "Property {_class(resource)}->{f.name} '
                                                   f'is empty."')
            for v in values:
                if v in ("", None) or (f.kind == "date" and v.startswith("0000")):
                    continue
                pattern = VALIDATORS.get(f.validate) if f.validate else None
                if pattern is not None and not pattern.match(str(v)):
                    raise WebserviceError(400, 85, f'Validation error: "Property {_class(resource)}->{f.name} '
                                                   f'is not valid"')
                if f.size is not None and len(str(v)) > f.size:
                    raise WebserviceError(400, 85, f'Validation error: "Property {_class(resource)}->{f.name} '
                                                   f'is too long ({f.size} chars max)."')

    def _post(self, resource: Resource, request: WsRequest, json_output: bool) -> WsResponse:
        parsed = self._parse_write(resource, request)
        obj = blank_object(resource)
        self._assign(resource, obj, parsed, null_omitted=True)
        obj.pop("id", None)
        for stamp in ("date_add", "date_upd"):
            if resource.field(stamp) is not None:
                obj[stamp] = now()
        self._validate(resource, obj)
        if resource.name == "order_histories":
            return self._post_order_history(obj, request, json_output)
        object_id = self.storage.insert(resource.name, obj)
        if resource.name == "products":
            self.storage.bump("products_created")
            # PrestaShop creates the product-level stock row itself when a product is added.
            stock = blank_object(RESOURCES["stock_availables"])
            stock.update(id_product=str(object_id), id_product_attribute="0", id_shop="1", out_of_stock="2",
                         quantity="0")
            self.storage.insert("stock_availables", stock)
            self._reindex(object_id)
        options = RenderOptions(json_output, self.active_language_ids(), None)
        created = self._load(resource, object_id) or obj
        render = render_single_json if json_output else render_single_xml
        return WsResponse(201, render(resource, created, options), self._headers(json_output))

    def _post_order_history(self, obj: dict[str, Any], request: WsRequest, json_output: bool) -> WsResponse:
        resource = RESOURCES["order_histories"]
        order = self.storage.get("orders", int(obj["id_order"]))
        state = self.storage.get("order_states", int(obj["id_order_state"]))
        if order is None:
            raise WebserviceError(400, 85, 'Validation error: "Property OrderHistory->id_order is not valid"')
        if state is None:
            raise WebserviceError(400, 85, 'Validation error: "Property OrderHistory->id_order_state is not valid"')
        # Quirk: there is no guard against posting the order's current state again; it adds a duplicate history
        # row (and, with sendemail=1, a duplicate e-mail) exactly like a real change.
        obj["id_employee"] = obj.get("id_employee") or "0"
        history_id = self.storage.insert("order_histories", obj)
        self.storage.bump("history_rows", str(order["id"]))
        if order["current_state"] == str(state["id"]):
            self.storage.bump("repeated_status", str(order["id"]))
        order["current_state"] = str(state["id"])
        order["date_upd"] = now()
        if state["shipped"] == "1" or state["delivery"] == "1":
            order["valid"] = "1" if state["logable"] == "1" else order["valid"]
        self.storage.replace("orders", order)
        # Quirk: the customer is mailed only with ?sendemail=1, and only for states whose send_email flag is set.
        if request.param("sendemail") == "1" and state["send_email"] == "1":
            self._email(int(order["id"]), state["template"].get("1", ""), "order_status")
        options = RenderOptions(json_output, self.active_language_ids(), None)
        created = self.storage.get("order_histories", history_id) or obj
        render = render_single_json if json_output else render_single_xml
        return WsResponse(201, render(resource, created, options), self._headers(json_output))

    def _email(self, order_id: int, template: str, kind: str) -> None:
        self.storage.bump("emails", str(order_id))
        self.storage.add_event("email", {"order_id": order_id, "template": template, "type": kind, "at": now()})

    def _reindex(self, product_id: int) -> None:
        # Quirk: every product write through the webservice re-indexes search synchronously when
        # PS_SEARCH_INDEXATION is on; there is no parameter to skip it.
        if self.config("PS_SEARCH_INDEXATION") == "1":
            self.storage.bump("reindexes", str(product_id))

    def _update(self, resource: Resource, object_id: int | None, request: WsRequest,
                json_output: bool) -> WsResponse:
        parsed = self._parse_write(resource, request)
        body_id = parsed.fields.get("id")
        if not body_id:
            # Quirk: PATCH (and PUT) need <id> in the body, even when the URL carries it.
            raise WebserviceError(400, 90, "id is required when modifying a resource")
        if not str(body_id).isdigit() or (object_id is not None and int(body_id) != object_id):
            raise WebserviceError(400, 89, "id is invalid")
        obj = self._load(resource, int(body_id))
        if obj is None:
            raise WebserviceError(404, 87, f"Invalid ID: {body_id}")
        before = dict(obj)
        self._assign(resource, obj, parsed, null_omitted=request.method == "PUT")
        if resource.field("date_upd") is not None:
            obj["date_upd"] = now()
        self._validate(resource, obj)
        if resource.name == "products" and "associations" in obj:
            obj["associations"].pop("stock_availables", None)
        self.storage.replace(resource.name, obj)
        self._after_update(resource, before, obj, request)
        options = RenderOptions(json_output, self.active_language_ids(), None)
        render = render_single_json if json_output else render_single_xml
        return WsResponse(200, render(resource, self._load(resource, obj["id"]) or obj, options),
                          self._headers(json_output))

    def _after_update(self, resource: Resource, before: dict[str, Any], after: dict[str, Any],
                      request: WsRequest) -> None:
        if resource.name == "products":
            self._reindex(after["id"])
        elif resource.name == "stock_availables":
            self.storage.bump("stock_writes", str(after["id_product"]))
        elif resource.name == "order_carriers":
            # The "in transit" e-mail goes out only with ?sendemail=1.
            if request.param("sendemail") == "1":
                self._email(int(after["id_order"]), "in_transit", "in_transit")
            if before.get("tracking_number") != after.get("tracking_number"):
                self.storage.bump("tracking_updates", str(after["id_order"]))
        elif resource.name == "orders" and before.get("current_state") != after.get("current_state"):
            # Quirk: changing orders.current_state directly adds history and always e-mails (the bridge avoids it).
            history = blank_object(RESOURCES["order_histories"])
            history.update(id_employee="0", id_order_state=after["current_state"], id_order=str(after["id"]),
                           date_add=now())
            self.storage.insert("order_histories", history)
            self.storage.bump("history_rows", str(after["id"]))
            state = self.storage.get("order_states", int(after["current_state"]))
            if state is not None and state["send_email"] == "1":
                self._email(int(after["id"]), state["template"].get("1", ""), "order_status")

    def _delete(self, resource: Resource, object_id: int | None, json_output: bool) -> WsResponse:
        if object_id is None:
            raise WebserviceError(400, 80, "You have to set an id for DELETE")
        if not self.storage.delete(resource.name, object_id):
            raise WebserviceError(404, 87, f"Invalid ID: {object_id}")
        if resource.name == "products":
            # PrestaShop deletes a product outright, even one with orders (the bridge must never do this).
            self.delete_stock_rows(object_id)
        return WsResponse(200, b"", self._headers(json_output))

    def delete_stock_rows(self, product_id: int) -> None:
        for row in self.storage.find("stock_availables", "id_product", str(product_id)):
            self.storage.delete("stock_availables", row["id"])


def _class(resource: Resource) -> str:
    return "".join(part.capitalize() for part in resource.singular.split("_"))


def _normalise_scalar(f: Field, value: str) -> str:
    """Store a sent scalar the way MySQL would hand it back (decimals with 6 places, booleans as 0/1)."""
    if f.kind == "decimal":
        try:
            return f"{Decimal(value).quantize(Decimal('0.000001'), rounding=ROUND_HALF_UP):f}"
        except InvalidOperation:
            return value  # left for validation to reject
    if f.kind == "bool":
        return {"true": "1", "false": "0"}.get(value, value)
    return value


def _equality_values(spec: str) -> list[str] | None:
    """The values ``spec`` compares for equality (``[x]``, ``[a|b]``), or None for an interval or a LIKE —
    exactly the branches of :func:`_filter_matches`, which still decides every match."""
    like = re.fullmatch(r"(%?)\[(.*)\](%?)", spec)
    if like and (like.group(1) or like.group(3)):
        return None
    inner = spec[1:-1] if spec.startswith("[") and spec.endswith("]") else spec
    if "," in inner and "|" not in inner:
        return None
    return inner.split("|")


def _filter_matches(spec: str, value: str) -> bool:
    """``[a|b]`` any of, ``[x,y]`` interval, ``%[x]%`` contains, ``[x]`` equals (case-insensitive like MySQL)."""
    value_cmp = value.lower()
    like = re.fullmatch(r"(%?)\[(.*)\](%?)", spec)
    if like and (like.group(1) or like.group(3)):
        needle = like.group(2).lower()
        if like.group(1) and like.group(3):
            return needle in value_cmp
        if like.group(3):
            return value_cmp.startswith(needle)
        return value_cmp.endswith(needle)
    inner = spec[1:-1] if spec.startswith("[") and spec.endswith("]") else spec
    if "," in inner and "|" not in inner:
        low, _, high = inner.partition(",")
        try:
            number = Decimal(value)
            return (not low or number >= Decimal(low)) and (not high or number <= Decimal(high))
        except InvalidOperation:
            return (not low or value >= low) and (not high or value <= high)
    return value_cmp in [v.lower() for v in inner.split("|")]
