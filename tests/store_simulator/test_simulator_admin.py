"""The simulator's test controls: fault injection, inspection, changes behind the bridge's back, and how it runs
(background server, ASGI app, CLI, SQLite file)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bridge.store_simulator import DEFAULT_API_KEY, SimulatorAdmin, SimulatorServer, create_simulator_app

JSON = {"output_format": "JSON", "id_shop": "1"}


def test_default_key_has_the_webservice_key_length() -> None:
    assert len(DEFAULT_API_KEY) == 32


def test_latency_is_added(sim: httpx.Client, admin: SimulatorAdmin) -> None:
    admin.set_faults(latency_ms=200)
    started = time.monotonic()
    assert sim.get("/api/languages", params=JSON).status_code == 200
    assert time.monotonic() - started >= 0.2


def test_error_rate_answers_a_proxy_error_without_effect(sim: httpx.Client, admin: SimulatorAdmin) -> None:
    admin.set_faults(error_rate=1.0, error_status=502)
    response = sim.post("/api/order_histories", params=JSON, content=b"<prestashop><order_history><id_order>2"
                        b"</id_order><id_order_state>2</id_order_state></order_history></prestashop>")
    assert response.status_code == 502 and response.headers["content-type"].startswith("text/html")
    assert admin.inspect()["history_rows"]["2"] == 1  # not processed
    admin.clear_faults()
    assert sim.get("/api/languages", params=JSON).status_code == 200


def test_fail_next_and_method_filter(sim: httpx.Client, admin: SimulatorAdmin) -> None:
    admin.set_faults(fail_next=1, methods=["PATCH"])
    assert sim.get("/api/languages", params=JSON).status_code == 200  # GET is not affected
    body = b"<prestashop><stock_available><id>19</id><quantity>1</quantity></stock_available></prestashop>"
    assert sim.patch("/api/stock_availables/19", params=JSON, content=body).status_code == 503
    assert sim.patch("/api/stock_availables/19", params=JSON, content=body).status_code == 200


def test_timeout_hangs_until_the_client_gives_up(simulator: SimulatorServer, admin: SimulatorAdmin) -> None:
    admin.set_faults(timeout_rate=1.0, hang_ms=3000)
    with httpx.Client(base_url=simulator.base_url, auth=(simulator.api_key, ""), timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            client.get("/api/languages", params=JSON)
        assert time.monotonic() - started < 1.5
    admin.set_faults(timeout_rate=0.0, timeout_next=1, hang_ms=100)
    with httpx.Client(base_url=simulator.base_url, auth=(simulator.api_key, ""), timeout=5) as client:
        assert client.get("/api/languages", params=JSON).status_code == 504  # the hang ended: a gateway timeout


def test_unreachable_refuses_connections_but_admin_answers(simulator: SimulatorServer, sim: httpx.Client,
                                                           admin: SimulatorAdmin) -> None:
    assert sim.get("/api/languages", params=JSON).status_code == 200  # a pooled connection now exists
    admin.set_faults(unreachable=True)
    with pytest.raises(httpx.TransportError):  # the pooled connection is reset
        sim.get("/api/languages", params=JSON)
    with pytest.raises(httpx.ConnectError):  # new connections are refused
        httpx.get(f"{simulator.base_url}/api/languages", params=JSON, auth=(simulator.api_key, ""))
    port = int(simulator.base_url.rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert admin.inspect()["methods"] == {"GET": 1}  # nothing reached the store
    admin.set_faults(unreachable=False)
    assert httpx.get(f"{simulator.base_url}/api/languages", params=JSON,
                     auth=(simulator.api_key, "")).status_code == 200


def test_unknown_fault_setting_is_refused(simulator: SimulatorServer, admin: SimulatorAdmin) -> None:
    response = httpx.post(f"{simulator.admin_url}/faults", json={"latency": 5})
    assert response.status_code == 400


def test_behind_the_back_changes(sim: httpx.Client, admin: SimulatorAdmin) -> None:
    admin.set_stock(19, 7)
    stock = sim.get("/api/stock_availables", params={**JSON, "display": "full", "filter[id_product]": "[19]"})
    assert stock.json()["stock_availables"][0]["quantity"] == "7"
    admin.patch_object("orders", 3, current_state="5")
    assert sim.get("/api/orders/3", params={**JSON, "display": "full"}).json()["orders"][0]["current_state"] == "5"
    admin.delete_product(19)
    assert sim.get("/api/products/19", params=JSON).status_code == 404
    assert sim.get("/api/stock_availables", params={**JSON, "filter[id_product]": "[19]"}).content == b"[]"
    admin.reset()
    assert sim.get("/api/products/19", params=JSON).status_code == 200


def test_inspection_logs_methods_and_content_types(sim: httpx.Client, admin: SimulatorAdmin) -> None:
    sim.get("/api/languages", params=JSON)
    sim.post("/api/order_histories", params=JSON, content=b'{"x": 1}', headers={"Content-Type": "application/json"})
    seen = admin.inspect()
    assert seen["methods"] == {"GET": 1, "POST": 1} and seen["body_kinds"] == {"empty": 1, "json": 1}
    post = seen["requests"][1]
    assert (post["content_type"], post["status"], post["path"]) == ("application/json", 500, "/api/order_histories")
    admin.clear_inspection()
    assert admin.inspect()["requests"] == []


async def test_asgi_app_in_process_with_a_sqlite_file(tmp_path: Path) -> None:
    db = str(tmp_path / "store.sqlite")
    body = b"<prestashop><stock_available><id>19</id><quantity>11</quantity></stock_available></prestashop>"
    transport = httpx.ASGITransport(app=create_simulator_app(db_path=db))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost",
                                 auth=(DEFAULT_API_KEY, "")) as client:
        assert (await client.patch("/api/stock_availables/19", params=JSON, content=body)).status_code == 200
    # a second app on the same file sees the change (and does not reseed)
    transport = httpx.ASGITransport(app=create_simulator_app(db_path=db))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost",
                                 auth=(DEFAULT_API_KEY, "")) as client:
        got = await client.get("/api/stock_availables/19", params=JSON)
    assert got.json()["stock_available"]["quantity"] == "11"


def test_custom_key_and_shop_domain() -> None:
    key = "K" * 32
    with SimulatorServer(api_key=key, shop_domain="127.0.0.1") as server:
        assert httpx.get(f"{server.base_url}/api/languages", params={"output_format": "JSON"},
                         auth=(key, "")).status_code == 200  # Host matches: no id_shop needed
        assert httpx.get(f"{server.base_url}/api/languages", params=JSON,
                         auth=(DEFAULT_API_KEY, "")).status_code == 401


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_cli_serves_the_store(tmp_path: Path) -> None:
    port, admin_port = _free_port(), _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bridge.store_simulator", "--port", str(port), "--admin-port", str(admin_port),
         "--db", str(tmp_path / "var" / "store.sqlite")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/products/19", params=JSON,
                                     auth=(DEFAULT_API_KEY, ""))
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        assert response.json()["product"]["id"] == 19
        assert httpx.get(f"http://127.0.0.1:{admin_port}/__simulator__/health").json() == {"ok": True}
    finally:
        process.terminate()
        process.wait(10)
    assert (tmp_path / "var" / "store.sqlite").exists()
