"""The simulator's indexed lookups answer filtered list GETs exactly like the full scan they replace.

In-process (the app's storage and webservice, no sockets): every write path keeps ``lookups`` in step with
``objects``, equality filters read through it, and every other filter form still scans.
"""

from __future__ import annotations

import json
from pathlib import Path

from bridge.store_simulator.app import DEFAULT_API_KEY, create_simulator_app
from bridge.store_simulator.storage import SimulatorStorage
from bridge.store_simulator.webservice import Webservice, WsRequest

AUTH = {"host": "localhost"}


def _get(ws: Webservice, path: str, **params: str) -> list[dict]:
    query = [("output_format", "JSON"), ("id_shop", "1"), ("ws_key", DEFAULT_API_KEY), *params.items()]
    response = ws.handle(WsRequest("GET", path, query, AUTH, b""))
    assert response.status == 200, response.body
    body = json.loads(response.body or b"{}")
    return next(iter(body.values()), []) if body else []


def _ids(ws: Webservice, **params: str) -> list[int]:
    return [int(o["id"]) for o in _get(ws, "/api/products", display="[id,reference]", **params)]


def test_equality_filters_follow_inserts_updates_and_deletes() -> None:
    app = create_simulator_app()
    ws, storage = app.webservice, app.storage
    product = storage.get("products", 19)
    assert product is not None
    reference = product["reference"]
    assert _ids(ws, **{"filter[reference]": f"[{reference}]"}) == [19]
    assert _ids(ws, **{"filter[reference]": f"[{reference.lower()}]"}) == [19]  # case-insensitive like MySQL

    copy = {**product, "reference": "LOOKUP-NEW"}
    copy.pop("id")
    new_id = storage.insert("products", copy)
    assert _ids(ws, **{"filter[reference]": "[lookup-new|" + reference + "]"}) == [19, new_id]

    storage.replace("products", {**storage.get("products", new_id), "reference": "LOOKUP-RENAMED"})  # type: ignore[dict-item]
    assert _ids(ws, **{"filter[reference]": "[LOOKUP-NEW]"}) == []
    assert _ids(ws, **{"filter[reference]": "[LOOKUP-RENAMED]"}) == [new_id]
    # other filter forms still scan, and combine with an indexed one
    assert new_id in _ids(ws, **{"filter[reference]": "%[RENAMED]%"})
    assert _ids(ws, **{"filter[reference]": "[LOOKUP-RENAMED]", "filter[id]": f"[1,{new_id - 1}]"}) == []

    storage.delete("products", new_id)
    assert _ids(ws, **{"filter[reference]": "[LOOKUP-RENAMED]"}) == []


def test_stock_rows_of_a_product_are_found_through_the_lookup() -> None:
    app = create_simulator_app()
    rows = _get(app.webservice, "/api/stock_availables", display="full",
                **{"filter[id_product]": "[19]", "filter[id_product_attribute]": "[0]"})
    assert [int(r["id_product"]) for r in rows] == [19]
    full = _get(app.webservice, "/api/products/19", display="full")[0]
    assert [s["id"] for s in full["associations"]["stock_availables"]] == [str(rows[0]["id"])]
    app.webservice.delete_stock_rows(19)
    assert _get(app.webservice, "/api/products/19", display="full")[0]["associations"].get("stock_availables",
                                                                                          []) == []


def test_a_store_file_written_before_the_lookups_gets_them_on_open(tmp_path: Path) -> None:
    path = str(tmp_path / "store.sqlite")
    app = create_simulator_app(db_path=path)
    reference = app.storage.get("products", 19)["reference"]  # type: ignore[index]
    with app.storage._lock:
        app.storage._conn.execute("DELETE FROM lookups")  # what an older simulator left behind
    app.storage.close()

    reopened = SimulatorStorage(path)
    assert reopened.find_ids("products", "reference", [reference]) == [19]
    assert reopened.find("configurations", "name", "PS_WEBSERVICE")
    reopened.close()
