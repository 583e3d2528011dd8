"""Building the XML bodies of webservice writes (the webservice reads XML only: a JSON body is a 500, code 127).

ElementTree escapes ``&``, ``<`` and ``>`` in text and quotes in attributes, so any text — HTML descriptions
included — arrives intact, exactly as a CDATA section would carry it; what XML 1.0 cannot carry at all (most
control characters) is refused before anything is sent.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from decimal import Decimal

from bridge.prestashop.errors import StoreValidationError

XLINK = "http://www.w3.org/1999/xlink"
# characters XML 1.0 forbids (tab, LF and CR are allowed)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# a field value: text, or {language_id: text} for a multilingual field
FieldValue = str | Mapping[int, str]


def xml_text(value: object) -> str:
    """Render a value as PrestaShop expects it: booleans 0/1, decimals without exponent."""
    if isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, Decimal):
        text = f"{value:f}"
    else:
        text = str(value)
    if _NOT_XML.search(text):
        raise StoreValidationError("text contains control characters that XML cannot carry")
    return text


def build_body(singular: str, fields: Sequence[tuple[str, FieldValue]],
               associations: Mapping[str, tuple[str, Sequence[Mapping[str, str]]]] | None = None) -> bytes:
    """``<prestashop xmlns:xlink=…><product><id>…</id>…</product></prestashop>`` as UTF-8 bytes.

    ``associations`` maps an association name to (item element name, items), e.g.
    ``{"categories": ("category", [{"id": "2"}])}``.
    """
    root = ET.Element("prestashop", {"xmlns:xlink": XLINK})
    node = ET.SubElement(root, singular)
    for name, value in fields:
        child = ET.SubElement(node, name)
        if isinstance(value, Mapping):
            for lang_id, text in value.items():
                ET.SubElement(child, "language", {"id": str(lang_id)}).text = xml_text(text)
        else:
            child.text = xml_text(value)
    if associations:
        assoc = ET.SubElement(node, "associations")
        for name, (item_tag, items) in associations.items():
            group = ET.SubElement(assoc, name)
            for item in items:
                item_node = ET.SubElement(group, item_tag)
                for key, text in item.items():
                    ET.SubElement(item_node, key).text = xml_text(text)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)
