"""The fingerprint of an intention: method, path and canonical payload; whitespace and key order do not count."""

from __future__ import annotations

from bridge.jobs.fingerprint import canonical_json, request_fingerprint
from bridge.jobs.schemas import parse_payload
from workflows.contracts import KIND_UPDATE_PRODUCT

PATH = "/v1/jobs/products/update"


def fingerprint_of(body: bytes, method: str = "POST", path: str = PATH) -> str:
    return request_fingerprint(method, path, parse_payload(KIND_UPDATE_PRODUCT, body))


def test_whitespace_key_order_and_spelled_out_defaults_do_not_count() -> None:
    a = fingerprint_of(b'{"product_id":19,"updates":{"price_ht":"12.50","stock_delta":-1}}')
    b = fingerprint_of(b'{ "updates" : { "stock_delta" : -1 ,\n "price_ht": 12.5 },\t"product_id": 19,'
                       b' "options": {"skip_reindex": false} }')
    assert a == b


def test_any_real_difference_counts() -> None:
    base = fingerprint_of(b'{"product_id":19,"updates":{"price_ht":"12.5"}}')
    assert fingerprint_of(b'{"product_id":19,"updates":{"price_ht":"12.51"}}') != base
    assert fingerprint_of(b'{"product_id":18,"updates":{"price_ht":"12.5"}}') != base
    assert fingerprint_of(b'{"product_id":19,"updates":{"price_ht":"12.5"},"options":{"skip_reindex":true}}') != base
    assert fingerprint_of(b'{"product_id":19,"updates":{"price_ht":"12.5"}}', path="/v1/jobs/products/import") != base
    assert fingerprint_of(b'{"product_id":19,"updates":{"price_ht":"12.5"}}', method="PUT") != base


def test_canonical_json_sorts_keys_at_every_depth_without_whitespace() -> None:
    assert canonical_json({"b": 1, "a": {"d": [{"z": 1, "y": 2}], "c": "é"}}) == \
        '{"a":{"c":"é","d":[{"y":2,"z":1}]},"b":1}'.encode()


def test_fingerprint_is_lower_case_hex_sha256() -> None:
    value = request_fingerprint("post", PATH, {"a": 1})
    assert len(value) == 64 and value == value.lower() and int(value, 16) >= 0
    assert value == request_fingerprint("POST", PATH, {"a": 1})
