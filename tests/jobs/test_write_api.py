"""The write pipeline over real HTTP: accept, replays, batch keys, pre-checks, races, polling.

Everything is real — uvicorn on a free port, the security gate, MySQL, Redis, the Temporal dev server, the store
simulator. Terminal job states are written with the real repository (``mark_finished``), exactly as the
workflows' projection does, so each replay case is tested without depending on a worker.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from bridge.jobs.repository import JobRepository
from bridge.store_simulator import SimulatorAdmin
from tests.support.pipeline_fixtures import NewClient, job_row, request_id, wait_until
from tests.support.signed_client import SignedClient
from workflows.contracts import SA_CLIENT_ID, SA_JOB_KIND, SA_JOB_STATUS, workflow_id_for

UPDATE = "/v1/jobs/products/update"
IMPORT = "/v1/jobs/products/import"
ORDER_STATUS = "/v1/jobs/orders/status"
PROBLEM = "application/problem+json"


def price_update(product_id: int = 19, price: str = "13.9") -> dict[str, Any]:
    return {"product_id": product_id, "updates": {"price_ht": price}}


def batch(batch_id: str, *references: str) -> dict[str, Any]:
    return {"batch_id": batch_id, "items": [{"reference": r, "name": f"Product {r}", "price_ht": "5"}
                                            for r in references]}


def new_batch_id() -> str:
    return f"batch-{uuid.uuid4().hex[:12]}"


async def client_jobs(repository: JobRepository, client_id: str) -> list[str]:
    def query() -> list[str]:
        from sqlalchemy import select

        from bridge.db.schema import jobs

        with repository._engine.connect() as conn:  # test-only look at the table
            return [r.job_id for r in conn.execute(select(jobs.c.job_id).where(jobs.c.client_id == client_id))]

    return await asyncio.to_thread(query)


# --- accept ---------------------------------------------------------------------------------------------------
async def test_update_product_is_accepted_durable_and_its_workflow_started(
    new_client: NewClient, job_repository: JobRepository, temporal_client: Client
) -> None:
    client, created = await new_client()
    response = await client.post(UPDATE, json=price_update())
    assert response.status_code == 202, response.text
    body = response.json()
    job_id = body["job_id"]
    assert body == {"job_id": job_id, "status": "accepted", "kind": "update_product",
                    "status_url": f"/v1/jobs/{job_id}"}
    assert response.headers["location"] == f"/v1/jobs/{job_id}"
    assert response.headers["retry-after"] == "1"

    row = await job_row(job_repository, job_id)
    assert row.client_id == created.client_id and row.kind == "update_product"
    assert row.payload == {"product_id": 19, "updates": {"price_ht": "13.9"}, "options": {"skip_reindex": False}}
    assert row.workflow_started_at is not None  # started within the request

    description = await temporal_client.get_workflow_handle(workflow_id_for(job_id)).describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
    attributes = description.typed_search_attributes
    assert attributes.get(SA_JOB_KIND) == "update_product"
    assert attributes.get(SA_CLIENT_ID) == created.client_id
    assert attributes.get(SA_JOB_STATUS) == "accepted"

    polled = await client.get(f"/v1/jobs/{job_id}")
    assert polled.status_code == 200
    resource = polled.json()
    assert resource["job_id"] == job_id and resource["status"] == "accepted"
    assert resource["request_id"] == row.request_id
    assert resource["created_at"].endswith("Z") and resource["error"] is None


async def test_each_write_kind_is_accepted(client: SignedClient) -> None:
    imported = await client.post(IMPORT, json=batch(new_batch_id(), "A-1", "A-2"))
    assert imported.status_code == 202, imported.text
    assert imported.json()["kind"] == "import_products"
    polled = (await client.get(imported.headers["location"])).json()
    assert polled["items"]["total"] == 2 and polled["items"]["pending"] == 2

    status = await client.post(ORDER_STATUS, json={"order_id": 2, "new_status": "payment_accepted"})
    assert status.status_code == 202, status.text
    assert status.json()["kind"] == "update_order_status"


# --- replays ----------------------------------------------------------------------------------------------------
async def test_replay_while_accepted_or_running_is_202_with_the_same_job(
    new_client: NewClient, job_repository: JobRepository
) -> None:
    client, created = await new_client()
    rid = request_id()
    first = await client.post(UPDATE, json=price_update(), request_id=rid)
    assert first.status_code == 202
    # the same intention with other whitespace and key order
    same = b'{ "updates": {"price_ht": 13.90},\n  "product_id": 19 }'
    replay = await client.post(UPDATE, content=same, request_id=rid)
    assert replay.status_code == 202
    assert replay.json() == first.json()
    assert replay.headers["location"] == first.headers["location"]

    await asyncio.to_thread(job_repository.mark_running, first.json()["job_id"], attempt=1)
    running = await client.post(UPDATE, json=price_update(), request_id=rid)
    assert running.status_code == 202 and running.json()["job_id"] == first.json()["job_id"]
    assert await client_jobs(job_repository, created.client_id) == [first.json()["job_id"]]


@pytest.mark.parametrize("status", ["succeeded", "partially_succeeded"])
async def test_replay_of_a_completed_job_is_200_with_the_job_resource(
    status: str, client: SignedClient, job_repository: JobRepository
) -> None:
    rid = request_id()
    payload = batch(new_batch_id(), "C-1")
    first = await client.post(IMPORT, json=payload, request_id=rid)
    job_id = first.json()["job_id"]
    await asyncio.to_thread(job_repository.mark_finished, job_id, status=status, result={"created": 1})
    replay = await client.post(IMPORT, json=payload, request_id=rid)
    assert replay.status_code == 200
    resource = replay.json()
    assert resource["job_id"] == job_id and resource["status"] == status
    assert resource["result"] == {"created": 1} and resource["finished_at"].endswith("Z")


async def test_replay_of_a_failed_job_is_409_with_the_job_in_the_problem(
    client: SignedClient, job_repository: JobRepository
) -> None:
    rid = request_id()
    first = await client.post(UPDATE, json=price_update(), request_id=rid)
    job_id = first.json()["job_id"]
    await asyncio.to_thread(job_repository.mark_finished, job_id, status="failed", error_code="store_validation",
                            error_message="PrestaShop refused the price", error_retryable=False)
    replay = await client.post(UPDATE, json=price_update(), request_id=rid)
    assert replay.status_code == 409
    assert replay.headers["content-type"].startswith(PROBLEM)
    problem = replay.json()
    assert problem["code"] == "job_failed_replay" and problem["request_id"] == rid
    assert problem["job"]["job_id"] == job_id and problem["job"]["status"] == "failed"
    assert problem["job"]["error"] == {"code": "store_validation", "message": "PrestaShop refused the price",
                                       "retryable": False}


async def test_a_request_id_reused_for_another_intention_is_409_and_starts_nothing(
    new_client: NewClient, job_repository: JobRepository
) -> None:
    client, created = await new_client()
    rid = request_id()
    first = await client.post(UPDATE, json=price_update(price="13.9"), request_id=rid)
    assert first.status_code == 202
    for other_path, other_payload in ((UPDATE, price_update(price="14")), (ORDER_STATUS, {"order_id": 2,
                                                                                          "new_status": 10})):
        reused = await client.post(other_path, json=other_payload, request_id=rid)
        assert reused.status_code == 409
        assert reused.json()["code"] == "idempotency_key_reused"
    assert await client_jobs(job_repository, created.client_id) == [first.json()["job_id"]]


async def test_a_request_still_being_accepted_is_409_request_in_progress(
    client: SignedClient, store_admin: SimulatorAdmin
) -> None:
    store_admin.set_faults(latency_ms=700, methods=["GET"])  # a slow store keeps the first request in pre-check
    rid = request_id()
    first_task = asyncio.create_task(client.post(UPDATE, json=price_update(), request_id=rid))
    await asyncio.sleep(0.5)
    second = await client.post(UPDATE, json=price_update(), request_id=rid)
    first = await first_task
    # whichever reached the reservation first is accepted; the other one learns it is still in progress
    accepted, in_progress = sorted((first, second), key=lambda answer: answer.status_code)
    assert (accepted.status_code, in_progress.status_code) == (202, 409)
    assert in_progress.json()["code"] == "request_in_progress"
    assert int(in_progress.headers["retry-after"]) >= 1
    replay = await client.post(UPDATE, json=price_update(), request_id=rid)  # and once accepted, it replays
    assert replay.status_code == 202 and replay.json()["job_id"] == accepted.json()["job_id"]


async def test_concurrent_identical_first_requests_start_exactly_one_workflow(
    new_client: NewClient, job_repository: JobRepository, temporal_client: Client, store_admin: SimulatorAdmin
) -> None:
    client, created = await new_client()
    store_admin.set_faults(latency_ms=200, methods=["GET"])
    rid = request_id()
    answers = await asyncio.gather(*(client.post(UPDATE, json=price_update(), request_id=rid) for _ in range(6)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(202) >= 1 and set(statuses) <= {202, 409}, statuses
    job_ids = {a.json()["job_id"] for a in answers if a.status_code == 202}
    assert len(job_ids) == 1
    assert all(a.json()["code"] == "request_in_progress" for a in answers if a.status_code == 409)
    assert await client_jobs(job_repository, created.client_id) == list(job_ids)

    async def workflows_of_client() -> list[str]:
        query = f"BridgeClientId = '{created.client_id}'"
        return [w.id async for w in temporal_client.list_workflows(query)]

    listed = await wait_until(workflows_of_client, what="the workflow to be visible")
    await asyncio.sleep(0.5)  # give a hypothetical second start time to show up too
    assert await workflows_of_client() == listed == [workflow_id_for(job_ids.pop())]


# --- batch_id ---------------------------------------------------------------------------------------------------
async def test_batch_id_replay_and_conflict(new_client: NewClient, job_repository: JobRepository) -> None:
    client, created = await new_client()
    batch_id = new_batch_id()
    first = await client.post(IMPORT, json=batch(batch_id, "B-1", "B-2"))
    assert first.status_code == 202
    job_id = first.json()["job_id"]

    again_rid = request_id()
    again = await client.post(IMPORT, json=batch(batch_id, "B-1", "B-2"), request_id=again_rid)
    assert again.status_code == 202 and again.json()["job_id"] == job_id

    conflict = await client.post(IMPORT, json=batch(batch_id, "B-1", "B-3"))
    assert conflict.status_code == 409 and conflict.json()["code"] == "batch_id_conflict"

    # the new request id is now bound to the job too: replaying it answers the same
    bound = await client.post(IMPORT, json=batch(batch_id, "B-1", "B-2"), request_id=again_rid)
    assert bound.status_code == 202 and bound.json()["job_id"] == job_id

    await asyncio.to_thread(job_repository.mark_finished, job_id, status="succeeded")
    completed = await client.post(IMPORT, json=batch(batch_id, "B-1", "B-2"))
    assert completed.status_code == 200 and completed.json()["status"] == "succeeded"
    assert await client_jobs(job_repository, created.client_id) == [job_id]


async def test_batch_ids_are_per_client(new_client: NewClient) -> None:
    batch_id = new_batch_id()
    (one, _), (two, _) = await new_client(), await new_client()
    first = await one.post(IMPORT, json=batch(batch_id, "P-1"))
    second = await two.post(IMPORT, json=batch(batch_id, "P-2"))
    assert first.status_code == second.status_code == 202
    assert first.json()["job_id"] != second.json()["job_id"]


async def test_concurrent_new_requests_for_one_batch_make_one_job(
    new_client: NewClient, job_repository: JobRepository
) -> None:
    client, created = await new_client()
    payload = batch(new_batch_id(), "R-1")
    answers = await asyncio.gather(*(client.post(IMPORT, json=payload) for _ in range(5)))
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["job_id"] for a in answers}) == 1
    assert len(await client_jobs(job_repository, created.client_id)) == 1


# --- business pre-check ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "payload", "code"),
    [
        (UPDATE, price_update(product_id=999_999), "product_not_found"),
        (UPDATE, {"product_id": 19, "updates": {"stock_delta": -1_000_000}}, "insufficient_stock"),
        (ORDER_STATUS, {"order_id": 999_999, "new_status": "shipped"}, "order_not_found"),
        (ORDER_STATUS, {"order_id": 1, "new_status": "shipped"}, "invalid_transition"),  # order 1 is canceled
        (ORDER_STATUS, {"order_id": 4, "new_status": "shipped"}, "invalid_transition"),  # already shipped
        (ORDER_STATUS, {"order_id": 2, "new_status": 9999}, "unknown_order_state"),
    ],
)
async def test_business_pre_check_is_422_and_frees_the_request_id(
    path: str, payload: dict[str, Any], code: str, new_client: NewClient, job_repository: JobRepository
) -> None:
    client, created = await new_client()
    rid = request_id()
    refused = await client.post(path, json=payload, request_id=rid)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == code
    assert await client_jobs(job_repository, created.client_id) == []
    # a 422 is not a job: the same request id may carry a corrected request
    corrected = await client.post(UPDATE, json=price_update(), request_id=rid)
    assert corrected.status_code == 202


async def test_a_negative_delta_beyond_stock_is_accepted_when_back_orders_are_allowed(
    client: SignedClient, store_admin: SimulatorAdmin
) -> None:
    store_admin.set_stock(17, out_of_stock=1)
    try:
        accepted = await client.post(UPDATE, json={"product_id": 17, "updates": {"stock_delta": -1_000_000}})
    finally:
        store_admin.set_stock(17, out_of_stock=2)
    assert accepted.status_code == 202, accepted.text


async def test_store_unreachable_during_pre_check_is_503_with_retry_after(
    client: SignedClient, store_admin: SimulatorAdmin
) -> None:
    rid = request_id()
    store_admin.set_faults(unreachable=True)
    refused = await client.post(UPDATE, json=price_update(), request_id=rid)
    store_admin.clear_faults()
    assert refused.status_code == 503
    problem = refused.json()
    assert problem["code"] == "store_unavailable" and int(refused.headers["retry-after"]) > 0
    assert "BRIDGEDEVKEY" not in refused.text and "Traceback" not in refused.text
    retried = await client.post(UPDATE, json=price_update(), request_id=rid)
    assert retried.status_code == 202


async def test_store_key_refused_is_503_store_misconfigured_without_the_key(
    client: SignedClient, store_admin: SimulatorAdmin, pipeline_settings: Any
) -> None:
    store_admin.add_key(pipeline_settings.prestashop_key, active=False)
    try:
        refused = await client.post(UPDATE, json=price_update())
        read = await client.get("/v1/products/19")
    finally:
        store_admin.add_key(pipeline_settings.prestashop_key, active=True)
    for answer in (refused, read):
        assert answer.status_code == 503, answer.text
        assert answer.json()["code"] == "store_misconfigured"
        assert pipeline_settings.prestashop_key not in answer.text


# --- schema over HTTP ----------------------------------------------------------------------------------------------
async def test_schema_errors_are_problem_json_with_pointers(client: SignedClient) -> None:
    invalid = await client.post(UPDATE, json={"product_id": "x", "updates": {"price_ht": "1.1234567", "bogus": 1}})
    assert invalid.status_code == 400
    assert invalid.headers["content-type"].startswith(PROBLEM)
    problem = invalid.json()
    assert problem["code"] == "validation_failed" and problem["status"] == 400
    assert {e["pointer"] for e in problem["errors"]} == {"/product_id", "/updates/price_ht", "/updates/bogus"}

    ttc = await client.post(UPDATE, json={"product_id": 19, "updates": {"price_ttc": "16.68"}})
    assert ttc.status_code == 400 and ttc.json()["code"] == "ttc_price_forbidden"
    assert ttc.json()["errors"] == [{"pointer": "/updates/price_ttc",
                                     "detail": "only the tax-excluded price (price_ht) may be set"}]

    broken = await client.post(UPDATE, content=b'{"product_id": 19,')
    assert broken.status_code == 400 and broken.json()["code"] == "invalid_json"

    too_many = await client.post(IMPORT, json=batch(new_batch_id(), *[f"S{i}" for i in range(51)]))
    assert too_many.status_code == 400 and too_many.json()["errors"][0]["pointer"] == "/items"

    tracking = await client.post(ORDER_STATUS, json={"order_id": 2, "new_status": "shipped",
                                                     "tracking_number": "<script>"})
    assert tracking.status_code == 400 and tracking.json()["errors"][0]["pointer"] == "/tracking_number"


async def test_a_400_does_not_consume_the_request_id(client: SignedClient) -> None:
    rid = request_id()
    assert (await client.post(UPDATE, json={"product_id": 0, "updates": {}}, request_id=rid)).status_code == 400
    assert (await client.post(UPDATE, json=price_update(), request_id=rid)).status_code == 202


# --- polling -------------------------------------------------------------------------------------------------------
async def test_job_polling_errors(new_client: NewClient) -> None:
    (owner, _), (other, _) = await new_client(), await new_client()
    accepted = await owner.post(UPDATE, json=price_update())
    job_url = accepted.headers["location"]
    assert (await owner.get(job_url)).status_code == 200
    foreign = await other.get(job_url)
    assert foreign.status_code == 404 and foreign.json()["code"] == "job_not_found"
    assert (await owner.get(f"/v1/jobs/{uuid.uuid4()}")).status_code == 404
    malformed = await owner.get("/v1/jobs/not-a-uuid")
    assert malformed.status_code == 400 and malformed.json()["code"] == "invalid_job_id"


async def test_an_import_job_shows_each_item(client: SignedClient, job_repository: JobRepository) -> None:
    from bridge.jobs.ledger import EffectLedger

    accepted = await client.post(IMPORT, json=batch(new_batch_id(), "I-1", "I-2", "I-3"))
    job_id = accepted.json()["job_id"]
    ledger = EffectLedger(job_repository._engine)
    await asyncio.to_thread(ledger.ensure_items, job_id, [(0, "I-1"), (1, "I-2"), (2, "I-3")])
    await asyncio.to_thread(ledger.record_item_success, job_id, 0, product_id=501, action="created")
    await asyncio.to_thread(ledger.record_item_failure, job_id, 1, code="already_exists",
                            message="reference I-2 exists")
    items = (await client.get(f"/v1/jobs/{job_id}")).json()["items"]
    assert (items["total"], items["succeeded"], items["failed"], items["pending"]) == (3, 1, 1, 1)
    assert items["results"][0]["product_id"] == 501
    assert items["results"][1]["error"]["code"] == "already_exists"
    assert items["results"][2]["status"] == "pending"
