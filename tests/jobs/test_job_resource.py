"""The job resource document: timestamps, error object, and the per-item summary of imports."""

from __future__ import annotations

from datetime import datetime

from bridge.jobs.repository import JobItemRecord, JobRecord
from bridge.jobs.resource import job_resource

T0 = datetime(2026, 1, 2, 3, 4, 5, 678901)


def job(**changes: object) -> JobRecord:
    values: dict[str, object] = dict(
        job_id="4a1e5a4e-7c35-4c4b-9d0e-8c1f3d7f0b11", client_id="c", kind="update_product", status="accepted",
        request_id="r", batch_id=None, payload={}, fingerprint="f", workflow_id="job-x", workflow_started_at=None,
        attempts=0, result=None, error_code=None, error_message=None, error_retryable=None,
        redrive_of_job_id=None, created_at=T0, updated_at=T0, started_at=None, finished_at=None,
    )
    values.update(changes)
    return JobRecord(**values)  # type: ignore[arg-type]


def row(index: int, reference: str, status: str, **extra: object) -> JobItemRecord:
    values: dict[str, object] = dict(job_id="j", item_index=index, reference=reference, status=status, action=None,
                                     product_id=None, error_code=None, error_message=None, updated_at=T0)
    values.update(extra)
    return JobItemRecord(**values)  # type: ignore[arg-type]


def test_accepted_job() -> None:
    doc = job_resource(job())
    assert doc == {
        "job_id": "4a1e5a4e-7c35-4c4b-9d0e-8c1f3d7f0b11", "kind": "update_product", "status": "accepted",
        "request_id": "r", "created_at": "2026-01-02T03:04:05.678Z", "updated_at": "2026-01-02T03:04:05.678Z",
        "started_at": None, "finished_at": None, "attempts": 0, "result": None, "error": None,
    }


def test_failed_job_has_an_error_object() -> None:
    doc = job_resource(job(status="failed", error_code="product_not_found", error_message="gone",
                           error_retryable=False, finished_at=T0, attempts=1))
    assert doc["error"] == {"code": "product_not_found", "message": "gone", "retryable": False}
    assert doc["finished_at"] == "2026-01-02T03:04:05.678Z"


def test_import_items_come_from_the_payload_and_the_rows() -> None:
    payload = {"batch_id": "b", "items": [{"reference": "A"}, {"reference": "B"}, {"reference": "C"},
                                          {"reference": "D"}]}
    rows = [
        row(0, "A", "succeeded", action="created", product_id=20),
        row(1, "B", "failed", error_code="already_exists", error_message="reference B exists"),
        row(2, "C", "running"),
    ]
    doc = job_resource(job(kind="import_products", status="running", payload=payload), rows)
    items = doc["items"]
    assert (items["total"], items["succeeded"], items["failed"], items["pending"]) == (4, 1, 1, 2)
    assert items["results"][0] == {"index": 0, "reference": "A", "status": "succeeded", "action": "created",
                                   "product_id": 20, "error": None}
    assert items["results"][1]["error"] == {"code": "already_exists", "message": "reference B exists"}
    assert items["results"][2]["status"] == "running"
    assert items["results"][3] == {"index": 3, "reference": "D", "status": "pending", "action": None,
                                   "product_id": None, "error": None}


def test_non_import_jobs_have_no_items() -> None:
    assert "items" not in job_resource(job())
