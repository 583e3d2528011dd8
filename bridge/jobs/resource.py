"""The job resource: the JSON a client polls at ``GET /v1/jobs/{jobId}`` (contract section 5).

Built from MySQL rows only (``jobs`` and, for imports, ``job_items``), so polling answers while Redis or
Temporal are down. The same document is the body of a completed idempotent replay (200) and the ``job`` member
of a ``job_failed_replay`` problem (409).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import anyio.to_thread

from bridge.jobs.repository import JobItemRecord, JobRecord, JobRepository
from workflows.contracts import KIND_IMPORT_PRODUCTS, STATUS_ACCEPTED, STATUS_FAILED, STATUS_SUCCEEDED

ITEM_PENDING = "pending"


def status_url(job_id: str) -> str:
    return f"/v1/jobs/{job_id}"


def rfc3339(moment: datetime | None) -> str | None:
    """Stored timestamps are naive UTC: render them as RFC 3339 with a ``Z`` (millisecond precision)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def accepted_body(job: JobRecord) -> dict[str, Any]:
    """The 202 body. It says ``accepted`` even when replayed while running: 202 never reports progress."""
    return {"job_id": job.job_id, "status": STATUS_ACCEPTED, "kind": job.kind, "status_url": status_url(job.job_id)}


def job_resource(job: JobRecord, items: list[JobItemRecord] | None = None) -> dict[str, Any]:
    """The job document; ``items`` are the job's ``job_items`` rows (only read for imports)."""
    error = None
    if job.error_code is not None or job.error_message is not None:
        error = {
            "code": job.error_code or "job_failed",
            "message": job.error_message or "",
            "retryable": bool(job.error_retryable),
        }
    resource: dict[str, Any] = {
        "job_id": job.job_id,
        "kind": job.kind,
        "status": job.status,
        "request_id": job.request_id,
        "created_at": rfc3339(job.created_at),
        "updated_at": rfc3339(job.updated_at),
        "started_at": rfc3339(job.started_at),
        "finished_at": rfc3339(job.finished_at),
        "attempts": job.attempts,
        "result": job.result,
        "error": error,
    }
    if job.redrive_of_job_id is not None:
        resource["redrive_of_job_id"] = job.redrive_of_job_id
    if job.kind == KIND_IMPORT_PRODUCTS:
        resource["items"] = _items_summary(job, items or [])
    return resource


async def load_job_resource(jobs: JobRepository, job: JobRecord) -> dict[str, Any]:
    """The job document, reading the import's ``job_items`` rows in a worker thread (MySQL calls are sync)."""
    items = await anyio.to_thread.run_sync(jobs.items, job.job_id) if job.kind == KIND_IMPORT_PRODUCTS else None
    return job_resource(job, items)


def _items_summary(job: JobRecord, rows: list[JobItemRecord]) -> dict[str, Any]:
    """Every item of the batch, in payload order; an item the workflow has not reported yet is ``pending``.

    The payload is the list of record (the workflow may not have written any ``job_items`` row yet), the rows
    say what happened to each item. An item still ``running`` counts as pending in the totals.
    """
    by_index = {row.item_index: row for row in rows}
    results: list[dict[str, Any]] = []
    for index, item in enumerate(job.payload.get("items", [])):
        row = by_index.get(index)
        if row is None:
            results.append(
                {"index": index, "reference": item.get("reference"), "status": ITEM_PENDING,
                 "action": None, "product_id": None, "error": None}
            )
            continue
        results.append(
            {
                "index": index,
                "reference": row.reference,
                "status": row.status,
                "action": row.action,
                "product_id": row.product_id,
                "error": (
                    {"code": row.error_code or "item_failed", "message": row.error_message or ""}
                    if row.status == STATUS_FAILED or row.error_code
                    else None
                ),
            }
        )
    succeeded = sum(1 for r in results if r["status"] == STATUS_SUCCEEDED)
    failed = sum(1 for r in results if r["status"] == STATUS_FAILED)
    return {
        "total": len(results),
        "succeeded": succeeded,
        "failed": failed,
        "pending": len(results) - succeeded - failed,
        "results": results,
    }
