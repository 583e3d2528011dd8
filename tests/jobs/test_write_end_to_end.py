"""A signed write, all the way: 202 → the real worker runs the workflow against the store → poll until terminal.

The worker is :mod:`bridge.worker` (the workflows engineer's), run in-process on a task queue of this module's
own, next to an API process configured for the same queue.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from temporalio.client import Client

from bridge.clients import ClientRegistry
from bridge.settings import Settings
from tests.support.api_server import ThreadedApiServer
from tests.support.pipeline_fixtures import new_client_factory, wait_until
from tests.support.signed_client import SignedClient

TERMINAL = {"succeeded", "failed", "partially_succeeded"}


@pytest.fixture(scope="module")
def e2e_settings(pipeline_settings: Settings) -> Settings:
    return pipeline_settings.replace(temporal_task_queue=f"{pipeline_settings.temporal_task_queue}-e2e-"
                                                         f"{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="module")
async def worker(e2e_settings: Settings, temporal_address: str) -> AsyncIterator[None]:
    from bridge.worker import build_worker, open_worker_resources

    client = await Client.connect(temporal_address)
    async with open_worker_resources(e2e_settings) as resources, build_worker(client, e2e_settings, resources):
        yield


@pytest.fixture(scope="module")
def e2e_api(e2e_settings: Settings) -> Iterator[ThreadedApiServer]:
    server = ThreadedApiServer(e2e_settings).start()
    yield server
    server.stop()


@pytest.fixture
async def e2e_client(worker: None, e2e_api: ThreadedApiServer,
                     pipeline_registry: ClientRegistry) -> AsyncIterator[SignedClient]:
    async for make in new_client_factory(pipeline_registry, e2e_api.base_url):
        client, _ = await make()
        yield client


async def poll_until_terminal(client: SignedClient, status_url: str) -> dict[str, Any]:
    async def terminal() -> dict[str, Any] | None:
        resource = (await client.get(status_url)).json()
        return resource if resource["status"] in TERMINAL else None

    return await wait_until(terminal, timeout=60, interval=0.25, what=f"{status_url} to finish")


async def test_update_product_succeeds_and_the_store_shows_it(e2e_client: SignedClient) -> None:
    before = (await e2e_client.get("/v1/products/16")).json()
    rid = str(uuid.uuid4())
    payload = {"product_id": 16, "updates": {"price_ht": "12.45", "stock_delta": -2,
                                             "seo": {"meta_title": {"en": "Fox notebook"}}}}
    accepted = await e2e_client.post("/v1/jobs/products/update", json=payload, request_id=rid)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status"] == "accepted"  # never more than that

    job = await poll_until_terminal(e2e_client, accepted.headers["location"])
    assert job["status"] == "succeeded", job
    assert job["error"] is None and job["finished_at"] and job["started_at"] and job["attempts"] >= 1
    assert job["result"]  # what changed

    after = (await e2e_client.get("/v1/products/16")).json()
    assert after["price_ht"] == "12.45"
    assert after["stock"]["quantity"] == before["stock"]["quantity"] - 2
    assert after["seo"]["meta_title"]["en"] == "Fox notebook"

    replay = await e2e_client.post("/v1/jobs/products/update", json=payload, request_id=rid)
    assert replay.status_code == 200 and replay.json()["job_id"] == job["job_id"]
    assert (await e2e_client.get("/v1/products/16")).json()["stock"]["quantity"] == after["stock"]["quantity"]


async def test_import_reports_each_item(e2e_client: SignedClient) -> None:
    tag = uuid.uuid4().hex[:8]
    accepted = await e2e_client.post("/v1/jobs/products/import", json={"batch_id": f"e2e-{tag}", "items": [
        {"reference": f"E2E-{tag}-1", "name": {"en": "Blue mug"}, "price_ht": "7.5", "quantity": 4},
        {"reference": f"E2E-{tag}-2", "name": "Red mug", "price_ht": 8},
    ]})
    assert accepted.status_code == 202, accepted.text
    job = await poll_until_terminal(e2e_client, accepted.headers["location"])
    assert job["status"] == "succeeded", job
    items = job["items"]
    assert (items["total"], items["succeeded"], items["failed"], items["pending"]) == (2, 2, 0, 0)
    product_id = items["results"][0]["product_id"]
    product = (await e2e_client.get(f"/v1/products/{product_id}")).json()
    assert product["reference"] == f"E2E-{tag}-1" and product["price_ht"] == "7.5"


async def test_order_status_change_succeeds(e2e_client: SignedClient) -> None:
    accepted = await e2e_client.post("/v1/jobs/orders/status", json={"order_id": 5, "new_status": "processing"})
    assert accepted.status_code == 202, accepted.text
    job = await poll_until_terminal(e2e_client, accepted.headers["location"])
    assert job["status"] == "succeeded", job
    order = (await e2e_client.get("/v1/orders/5")).json()
    assert order["state"]["status"] == "processing"
