"""The simulator speaks the webservice with PrestaShop 9's quirks: one test per quirk, over raw HTTP.

Tests taking ``target`` are read-only and also run against a real store when PRESTASHOP_URL/KEY are set.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx
import pytest

from bridge.store_simulator import SimulatorAdmin

if TYPE_CHECKING:  # the fixture's class, for annotations only (conftest modules are not importable by name)
    from conftest import Target  # type: ignore[import-not-found]

JSON = {"output_format": "JSON", "id_shop": "1"}
XML_HEAD = '<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">'


def xml(singular: str, inner: str) -> bytes:
    return f"{XML_HEAD}<{singular}>{inner}</{singular}></prestashop>".encode()


def product_19(client: httpx.Client) -> dict:
    return client.get("/api/products/19", params={**JSON, "display": "full"}).json()["products"][0]


# output format ------------------------------------------------------------------------------------------------
def test_json_only_when_asked_exactly(target: Target) -> None:
    with target.client() as client:
        as_json = client.get("/api/languages", params={**JSON, "display": "full"})
        assert as_json.headers["content-type"].startswith("application/json") and "languages" in as_json.json()
        by_header = client.get("/api/languages", params={"id_shop": "1"}, headers={"Io-Format": "JSON"})
        assert by_header.headers["content-type"].startswith("application/json")
        # case-sensitive: "json" is not "JSON", the answer is XML
        lower = client.get("/api/languages", params={"output_format": "json", "id_shop": "1"})
        assert lower.text.lstrip().startswith("<?xml") and "xml" in lower.headers["content-type"]
        assert "psws-version" in {k.lower() for k in as_json.headers}


def test_single_object_form_drops_falsy_fields(target: Target) -> None:
    with target.client() as client:
        single = client.get("/api/products/19", params=JSON).json()["product"]
        full = client.get("/api/products/19", params={**JSON, "display": "full"}).json()["products"][0]
    falsy = {k for k, v in full.items() if v in ("0", "")}
    assert falsy and not falsy & set(single)
    assert single["id"] == 19 and isinstance(full["id"], int) and isinstance(full["price"], str)


def test_empty_list_is_a_bare_array(target: Target) -> None:
    with target.client() as client:
        response = client.get("/api/products", params={**JSON, "filter[reference]": "[no-such-reference-xyz]"})
    assert response.status_code == 200 and response.content.strip() == b"[]"


def test_multilingual_fields_collapse_with_one_language(target: Target) -> None:
    with target.client() as client:
        one = client.get("/api/products/19", params={**JSON, "display": "full", "language": "1"}).json()
        every = client.get("/api/products/19", params={**JSON, "display": "full"}).json()
    assert isinstance(one["products"][0]["name"], str)
    name = every["products"][0]["name"]
    assert isinstance(name, list) and {"id", "value"} <= set(name[0]) or isinstance(name, str)  # a 1-language shop


def test_unknown_id_is_404_with_empty_body(target: Target) -> None:
    with target.client() as client:
        response = client.get("/api/products/987654", params=JSON)
    assert response.status_code == 404 and response.content == b""


def test_no_key_is_a_plain_text_401(target: Target) -> None:
    with target.client(auth=False) as client:
        response = client.get("/api/products/19", params=JSON)
    assert response.status_code == 401 and "www-authenticate" in response.headers
    with pytest.raises(ValueError):
        response.json()


def test_bad_key_is_a_401_with_an_error_code(target: Target) -> None:
    with target.client(key="Q" * 32) as client:
        response = client.get("/api/products/19", params=JSON)
    assert response.status_code == 401 and response.json()["errors"][0]["code"]


def test_ws_key_parameter_authenticates(target: Target) -> None:
    with target.client(auth=False) as client:
        assert client.get("/api/languages", params={**JSON, "ws_key": target.api_key}).status_code == 200


def test_json_body_is_a_500_code_127(target: Target) -> None:
    with target.client() as client:
        response = client.post("/api/order_histories", params=JSON,
                               content=json.dumps({"order_history": {"id_order": 1, "id_order_state": 6}}),
                               headers={"Content-Type": "application/json"})
    assert response.status_code == 500 and response.json()["errors"][0]["code"] == 127


def test_price_parameter_computes_tax_included_price(sim: httpx.Client) -> None:
    response = sim.get("/api/products/19", params={**JSON, "display": "full", "price[ttc][use_tax]": "1",
                                                   "price[ht][use_tax]": "0"})
    product = response.json()["products"][0]
    assert (product["price"], product["ht"], product["ttc"]) == ("13.900000", "13.900000", "16.680000")


def test_host_mismatch_redirects_unless_id_shop(sim: httpx.Client) -> None:
    redirected = sim.get("/api/products/19", params={"output_format": "JSON"})  # Host 127.0.0.1 != localhost
    assert redirected.status_code == 302 and redirected.headers["location"].startswith("http://localhost/api/")
    assert sim.get("/api/products/19", params={"output_format": "JSON"},
                   headers={"Host": "localhost"}).status_code == 200
    assert sim.get("/api/products/19", params=JSON).status_code == 200


def test_filters_sort_limit_and_display(sim: httpx.Client) -> None:
    got = sim.get("/api/products", params={**JSON, "display": "[id,reference]", "filter[id]": "[3,6]",
                                           "sort": "[id_DESC]", "limit": "1,2"}).json()["products"]
    assert got == [{"id": 5, "reference": "demo_5"}, {"id": 4, "reference": "demo_4"}]
    ids_only = sim.get("/api/products", params={**JSON, "filter[reference]": "[demo_1|demo_2]"}).json()
    assert ids_only == {"products": [{"id": 1}, {"id": 2}]}
    like = sim.get("/api/products", params={**JSON, "filter[name]": "%[notebook]%", "display": "[id]"}).json()
    assert [p["id"] for p in like["products"]] == [16, 17, 18]


# writes -------------------------------------------------------------------------------------------------------
def test_patch_needs_id_in_body_and_assigns_only_sent_fields(sim: httpx.Client) -> None:
    missing = sim.patch("/api/products/19", params=JSON, content=xml("product", "<price>20</price>"))
    assert missing.status_code == 400 and missing.json()["errors"][0]["code"] == 90
    before = product_19(sim)
    ok = sim.patch("/api/products/19", params=JSON, content=xml("product", "<id>19</id><price>20</price>"))
    assert ok.status_code == 200
    after = product_19(sim)
    assert after["price"] == "20.000000"
    assert {k: v for k, v in after.items() if k not in ("price", "date_upd")} == \
        {k: v for k, v in before.items() if k not in ("price", "date_upd")}


def test_put_nulls_every_omitted_field(sim: httpx.Client) -> None:
    response = sim.put("/api/products/19", params=JSON, content=xml(
        "product", '<id>19</id><price>20</price><name><language id="1">Mug</language></name>'
                   '<link_rewrite><language id="1">mug</language></link_rewrite>'))
    assert response.status_code == 200
    after = product_19(sim)
    assert (after["active"], after["visibility"], after["state"], after["reference"]) == ("0", "", "0", "")
    assert {n["id"]: n["value"] for n in after["name"]} == {"1": "Mug", "2": ""}
    stock = sim.put("/api/stock_availables/19", params=JSON, content=xml(
        "stock_available", "<id>19</id><id_product>19</id_product><id_product_attribute>0</id_product_attribute>"
                           "<quantity>5</quantity><depends_on_stock>0</depends_on_stock><out_of_stock>2</out_of_stock>"))
    assert stock.status_code == 200 and stock.json()["stock_available"].get("id_shop") is None  # lost its shop


def test_post_nulls_every_omitted_field(sim: httpx.Client, admin: SimulatorAdmin) -> None:
    response = sim.post("/api/products", params=JSON, content=xml(
        "product", '<price>5</price><name><language id="1">Bare</language></name>'
                   '<link_rewrite><language id="1">bare</language></link_rewrite>'))
    assert response.status_code == 201
    new_id = response.json()["product"]["id"]
    raw = admin.get_object("products", new_id)
    assert (raw["active"], raw["visibility"], raw["show_price"], raw["available_for_order"]) == ("0", "", "0", "0")
    assert raw["name"] == {"1": "Bare", "2": ""}
    assert admin.inspect()["products_created"] == 1
    stock = sim.get("/api/stock_availables", params={**JSON, "display": "full", "filter[id_product]": f"[{new_id}]"})
    assert stock.json()["stock_availables"][0]["quantity"] == "0"  # PrestaShop creates the stock row itself


def test_post_without_required_name_is_a_validation_error(sim: httpx.Client) -> None:
    response = sim.post("/api/products", params=JSON, content=xml("product", "<price>5</price>"))
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == 85


def test_product_quantity_is_not_writable(sim: httpx.Client) -> None:
    response = sim.patch("/api/products/19", params=JSON, content=xml("product", "<id>19</id><quantity>4</quantity>"))
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == 93


def test_stock_rows_cannot_be_posted_or_deleted(sim: httpx.Client) -> None:
    assert sim.post("/api/stock_availables", params=JSON, content=xml("stock_available", "")).status_code == 405
    assert sim.delete("/api/stock_availables/19", params=JSON).status_code == 405


def test_stock_patch_counts_writes_per_product(sim: httpx.Client, admin: SimulatorAdmin) -> None:
    response = sim.patch("/api/stock_availables/19", params=JSON,
                         content=xml("stock_available", "<id>19</id><quantity>42</quantity>"))
    assert response.status_code == 200 and response.json()["stock_available"]["quantity"] == "42"
    assert admin.inspect()["stock_writes"] == {"19": 1}


def test_order_history_side_effects(sim: httpx.Client, admin: SimulatorAdmin) -> None:
    def post(state: int, sendemail: bool) -> httpx.Response:
        params = {**JSON, **({"sendemail": "1"} if sendemail else {})}
        return sim.post("/api/order_histories", params=params, content=xml(
            "order_history", f"<id_order>2</id_order><id_order_state>{state}</id_order_state>"))

    assert post(2, sendemail=False).status_code == 201
    assert sim.get("/api/orders/2", params={**JSON, "display": "full"}).json()["orders"][0]["current_state"] == "2"
    assert admin.inspect()["emails"] == 0
    assert post(2, sendemail=True).status_code == 201  # the same state again: accepted, duplicated, mailed
    assert post(5, sendemail=True).status_code == 201  # "Delivered" has send_email=0: no mail even when asked
    seen = admin.inspect()
    assert seen["emails"] == 1 and seen["history_rows"]["2"] == 4 and seen["repeated_status"] == {"2": 1}
    rows = sim.get("/api/order_histories", params={**JSON, "display": "full", "filter[id_order]": "[2]"}).json()
    assert [r["id_order_state"] for r in rows["order_histories"]] == ["1", "2", "2", "5"]


def test_tracking_number_is_validated(sim: httpx.Client, admin: SimulatorAdmin) -> None:
    def patch(number: str, **params: str) -> httpx.Response:
        from xml.sax.saxutils import escape

        return sim.patch("/api/order_carriers/1", params={**JSON, **params}, content=xml(
            "order_carrier", f"<id>1</id><tracking_number>{escape(number)}</tracking_number>"))

    assert patch("é-123").status_code == 400
    assert patch("<script>").status_code == 400
    assert patch("A" * 65).status_code == 400
    assert patch("A" * 64).status_code == 200
    assert patch("1Z 999/AA-10#12(3)", sendemail="1").status_code == 200
    assert [e["template"] for e in admin.inspect()["email_log"]] == ["in_transit"]


def test_patching_current_state_directly_always_mails(sim: httpx.Client, admin: SimulatorAdmin) -> None:
    response = sim.patch("/api/orders/2", params=JSON, content=xml("order", "<id>2</id><current_state>2</current_state>"))
    assert response.status_code == 200 and admin.inspect()["emails"] == 1


def test_permissions_of_a_limited_key(simulator, admin: SimulatorAdmin) -> None:  # type: ignore[no-untyped-def]
    key = "P" * 32
    admin.add_key(key, permissions={"products": ["GET"]})
    with httpx.Client(base_url=simulator.base_url, auth=(key, "")) as client:
        no_resource = client.get("/api/orders/1", params=JSON)
        no_method = client.patch("/api/products/19", params=JSON, content=xml("product", "<id>19</id>"))
    assert (no_resource.status_code, no_resource.json()["errors"][0]["code"]) == (401, 26)
    assert (no_method.status_code, no_method.json()["errors"][0]["code"]) == (405, 25)


def test_disabled_webservice_answers_503_code_22(sim: httpx.Client, admin: SimulatorAdmin) -> None:
    admin.settings(webservice_enabled=False)
    response = sim.get("/api/products/19", params=JSON)
    assert response.status_code == 503 and response.json()["errors"][0]["code"] == 22
    xml_answer = sim.get("/api/products/19", params={"id_shop": "1"})
    assert b"<code>22</code>" in xml_answer.content


def test_configurations_are_read_only(sim: httpx.Client) -> None:
    got = sim.get("/api/configurations", params={**JSON, "display": "full",
                                                 "filter[name]": "[PS_SEARCH_INDEXATION]"}).json()
    assert got["configurations"][0]["value"] == "1"
    assert sim.patch("/api/configurations/1", params=JSON, content=xml("configuration", "<id>1</id>")).status_code == 405


def test_product_writes_reindex_only_when_indexation_is_on(sim: httpx.Client, admin: SimulatorAdmin) -> None:
    body = xml("product", "<id>19</id><price>20</price>")
    sim.patch("/api/products/19", params=JSON, content=body)
    admin.settings(search_indexation=False)
    sim.patch("/api/products/19", params=JSON, content=body)
    assert admin.inspect()["reindexes"] == {"19": 1}
