"""What goes over the wire: rendering objects as PrestaShop's JSON or XML, and parsing XML request bodies."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from bridge.store_simulator.resources import Resource

XLINK = "http://www.w3.org/1999/xlink"


class WebserviceError(Exception):
    """An error PrestaShop reports as ``{"errors":[{"code":N,"message":"..."}]}`` (or its XML twin)."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class RenderOptions:
    """How one GET answer is shaped."""

    json_output: bool
    language_ids: list[int]
    display: list[str] | None  # None = full
    extra_fields: dict[str, str] = field(default_factory=dict)  # computed fields, e.g. price[...] parameters


def project(resource: Resource, obj: dict[str, Any], options: RenderOptions) -> dict[str, Any]:
    """The fields of ``obj`` that the answer shows, multilingual fields reduced to the requested languages."""
    out: dict[str, Any] = {"id": obj["id"]}
    wanted = options.display
    for f in resource.fields:
        if wanted is not None and f.name not in wanted:
            continue
        value = obj.get(f.name, f.null_value())
        if f.lang:
            value = {lang_id: value.get(str(lang_id), "") for lang_id in options.language_ids}
        out[f.name] = value
    for name, value in options.extra_fields.items():
        if wanted is None or name in wanted:
            out[name] = value
    if resource.associations and (wanted is None or "associations" in wanted):
        out["associations"] = obj.get("associations", {})
    return out


def _json_value(value: Any, json_output_collapse: bool) -> Any:
    if isinstance(value, dict):
        # Quirk: a multilingual field is [{"id":"1","value":"…"},…] but collapses to a plain string when only one
        # language is requested (language=N) or the shop has only one language.
        if json_output_collapse and len(value) == 1:
            return next(iter(value.values()))
        return [{"id": str(lang_id), "value": text} for lang_id, text in value.items()]
    return value


def to_json_object(projected: dict[str, Any], options: RenderOptions, *, drop_falsy: bool) -> dict[str, Any]:
    collapse = len(options.language_ids) == 1
    out: dict[str, Any] = {}
    for name, value in projected.items():
        if name == "associations":
            out[name] = {k: v for k, v in value.items() if v or not drop_falsy}
            continue
        # Quirk: the single-object form ({"product":{…}}, no `display`) silently drops every field whose value is
        # falsy in PHP terms ("0" and ""), so a product that is inactive simply has no "active" key.
        if drop_falsy and value in ("", "0"):
            continue
        out[name] = _json_value(value, collapse)
    return out


def render_list_json(resource: Resource, objects: list[dict[str, Any]], options: RenderOptions,
                     ids_only: bool) -> bytes:
    if not objects:
        # Quirk: an empty list is a bare [] — not {"products":[]}.
        return b"[]"
    if ids_only:
        items = [{"id": o["id"]} for o in objects]
    else:
        items = [to_json_object(project(resource, o, options), options, drop_falsy=False) for o in objects]
    return json.dumps({resource.name: items}, ensure_ascii=False).encode()


def render_single_json(resource: Resource, obj: dict[str, Any], options: RenderOptions) -> bytes:
    item = to_json_object(project(resource, obj, options), options, drop_falsy=True)
    return json.dumps({resource.singular: item}, ensure_ascii=False).encode()


def _xml_root() -> ET.Element:
    return ET.Element("prestashop", {"xmlns:xlink": XLINK})


def _xml_fill(parent: ET.Element, resource: Resource, projected: dict[str, Any]) -> None:
    for name, value in projected.items():
        if name == "associations":
            assoc = ET.SubElement(parent, "associations")
            for assoc_name, items in value.items():
                item_tag = resource.associations.get(assoc_name, (assoc_name, ()))[0]
                group = ET.SubElement(assoc, assoc_name, {"nodeType": item_tag, "api": assoc_name})
                for item in items:
                    node = ET.SubElement(group, item_tag)
                    for key, text in item.items():
                        ET.SubElement(node, key).text = str(text)
            continue
        node = ET.SubElement(parent, name)
        if isinstance(value, dict):
            for lang_id, text in value.items():
                ET.SubElement(node, "language", {"id": str(lang_id)}).text = text
        else:
            node.text = str(value)


def render_list_xml(resource: Resource, objects: list[dict[str, Any]], options: RenderOptions,
                    ids_only: bool) -> bytes:
    root = _xml_root()
    group = ET.SubElement(root, resource.name)
    for obj in objects:
        if ids_only:
            ET.SubElement(group, resource.singular, {"id": str(obj["id"])})
        else:
            _xml_fill(ET.SubElement(group, resource.singular), resource, project(resource, obj, options))
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def render_single_xml(resource: Resource, obj: dict[str, Any], options: RenderOptions) -> bytes:
    root = _xml_root()
    _xml_fill(ET.SubElement(root, resource.singular), resource, project(resource, obj, options))
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def render_errors(errors: list[tuple[int, str]], json_output: bool) -> bytes:
    if json_output:
        return json.dumps({"errors": [{"code": c, "message": m} for c, m in errors]}, ensure_ascii=False).encode()
    root = _xml_root()
    group = ET.SubElement(root, "errors")
    for code, message in errors:
        error = ET.SubElement(group, "error")
        ET.SubElement(error, "code").text = str(code)
        ET.SubElement(error, "message").text = message
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


@dataclass
class ParsedBody:
    """The fields sent in a write: ``fields`` holds str values, or ``{lang_id: str}`` for multilingual fields."""

    fields: dict[str, Any]
    associations: dict[str, list[dict[str, str]]] | None


def parse_body(body: bytes, resource: Resource) -> ParsedBody:
    """Parse ``<prestashop><product>…</product></prestashop>``.

    ElementTree is used without hardening because only our own gateway and tests talk to the simulator; it is
    not meant to face untrusted input.
    """
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        # Quirk: input is XML only; anything else (a JSON body) fails to parse -> 500 with code 127.
        raise WebserviceError(500, 127, f"HTTP XML response is not parsable: {exc}") from exc
    node = root.find(resource.singular)
    if root.tag != "prestashop" or node is None:
        raise WebserviceError(400, 41, f"XML error : {resource.singular} tag is missing")
    fields: dict[str, Any] = {}
    associations: dict[str, list[dict[str, str]]] | None = None
    for child in node:
        if child.tag == "associations":
            associations = {}
            for group in child:
                associations[group.tag] = [{leaf.tag: (leaf.text or "") for leaf in item} for item in group]
            continue
        languages = child.findall("language")
        if languages:
            fields[child.tag] = {lang.get("id", ""): (lang.text or "") for lang in languages}
        else:
            fields[child.tag] = (child.text or "").strip() if child.tag == "id" else (child.text or "")
    return ParsedBody(fields, associations)
