"""Operations endpoints over real HTTP: liveness, readiness per dependency, metrics, OpenAPI, capabilities."""

from __future__ import annotations

import re

import httpx

from bridge.store_simulator import SimulatorAdmin
from tests.support.api_server import ThreadedApiServer
from tests.support.signed_client import SignedClient


async def test_liveness_answers_without_authentication(pipeline_api: ThreadedApiServer) -> None:
    async with httpx.AsyncClient(base_url=pipeline_api.base_url) as http:
        response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


async def test_readiness_reports_every_dependency_up(pipeline_api: ThreadedApiServer) -> None:
    async with httpx.AsyncClient(base_url=pipeline_api.base_url) as http:
        response = await http.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert {name: dep["status"] for name, dep in body["dependencies"].items()} == {
        "mysql": "up", "redis": "up", "temporal": "up", "prestashop": "up"}


async def test_readiness_is_degraded_and_names_the_store_when_it_is_unreachable(
    pipeline_api: ThreadedApiServer, store_admin: SimulatorAdmin
) -> None:
    store_admin.set_faults(unreachable=True)
    try:
        async with httpx.AsyncClient(base_url=pipeline_api.base_url, timeout=10) as http:
            response = await http.get("/readyz")
    finally:
        store_admin.clear_faults()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["dependencies"]["prestashop"]["status"] == "down"
    assert body["dependencies"]["mysql"]["status"] == "up"


async def test_metrics_expose_request_and_bridge_metrics(pipeline_api: ThreadedApiServer, client: SignedClient) -> None:
    assert (await client.get("/v1/products/1")).status_code == 200  # one store read through the gateway
    accepted = await client.post("/v1/jobs/products/update", json={"product_id": 1, "updates": {"price_ht": "23.9"}})
    assert accepted.status_code == 202, accepted.text
    assert (await client.get("/v1/products/0")).status_code == 400  # a problem answer
    async with httpx.AsyncClient(base_url=pipeline_api.base_url) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200
    text = response.text
    assert "bridge_requests_total" in text  # Litestar's request metrics, prefixed
    assert 'bridge_prestashop_call_seconds_count{method="GET",outcome="2xx"}' in text
    assert 'bridge_jobs_accepted_total{kind="update_product"}' in text
    dispatched = re.search(r"^bridge_jobs_dispatched_total (\S+)$", text, re.MULTILINE)
    assert dispatched is not None and float(dispatched.group(1)) >= 1
    assert 'bridge_problems_total{code="' in text and 'status="400"' in text


async def test_openapi_document_carries_both_security_schemes_and_every_route(
    pipeline_api: ThreadedApiServer,
) -> None:
    async with httpx.AsyncClient(base_url=pipeline_api.base_url) as http:
        document = (await http.get("/schema/openapi.json")).json()
    assert set(document["components"]["securitySchemes"]) == {"oauth2", "hmacSignature"}
    paths = set(document["paths"])
    for path in ("/v1/products/{product_id}", "/v1/orders/{order_id}", "/v1/jobs/{job_id}",
                 "/v1/jobs/products/update", "/v1/jobs/products/import", "/v1/jobs/orders/status",
                 "/v1/capabilities", "/oauth/token", "/.well-known/jwks.json", "/healthz", "/readyz"):
        assert path in paths, f"{path} missing from the OpenAPI document ({sorted(paths)})"


async def test_capabilities_manifest_lists_the_six_capabilities_with_payload_schemas(client: SignedClient) -> None:
    response = await client.get("/v1/capabilities")
    assert response.status_code == 200, response.text
    manifest = response.json()
    by_name = {c["name"]: c for c in manifest["capabilities"]}
    assert set(by_name) == {"get_product", "get_order", "get_job_status", "update_product", "import_products",
                            "update_order_status"}
    assert {c["scope"] for c in by_name.values() if c["sync"]} == {"bridge:read"}
    assert {c["success"] for c in by_name.values() if not c["sync"]} == {202}
    update = by_name["update_product"]["payload"]
    assert "product_id" in update["required"]
    assert update["additionalProperties"] is False  # unknown fields are refused, and the manifest says so


async def test_capabilities_needs_a_signed_request(pipeline_api: ThreadedApiServer) -> None:
    async with httpx.AsyncClient(base_url=pipeline_api.base_url) as http:
        response = await http.get("/v1/capabilities")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
