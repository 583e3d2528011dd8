"""The effect ledger on real MySQL: a plan is decided once, item outcomes never regress, updates are repeatable."""

from __future__ import annotations

import uuid

import pytest

from bridge.jobs.ledger import EffectLedger
from bridge.jobs.repository import JobRecord, JobRepository, NewJob


@pytest.fixture
def job(jobs_repo: JobRepository, worker_client_id: str) -> JobRecord:
    return jobs_repo.insert(NewJob(client_id=worker_client_id, kind="import_products", request_id=str(uuid.uuid4()),
                                   payload={"batch_id": "ledger", "items": []}, fingerprint="0" * 64))


def test_the_first_plan_wins(ledger: EffectLedger, job: JobRecord) -> None:
    first = ledger.plan_effect(job.job_id, "stock", {"before": 10, "target": 7})
    second = ledger.plan_effect(job.job_id, "stock", {"before": 9, "target": 6})
    assert first.data == second.data == {"before": 10, "target": 7}
    assert second.state == "planned" and not second.applied


def test_applied_merges_data_and_repeats_harmlessly(ledger: EffectLedger, job: JobRecord) -> None:
    ledger.plan_effect(job.job_id, "item:0", {"action": "created"})
    ledger.add_effect_data(job.job_id, "item:0", {"product_id": 42})
    ledger.mark_applied(job.job_id, "item:0")
    again = ledger.mark_applied(job.job_id, "item:0")
    assert again.applied and again.data == {"action": "created", "product_id": 42}
    assert [e.effect_key for e in ledger.effects(job.job_id)] == ["item:0"]


def test_marking_an_unplanned_effect_is_an_error(ledger: EffectLedger, job: JobRecord) -> None:
    with pytest.raises(LookupError):
        ledger.mark_applied(job.job_id, "never-planned")


def test_item_outcomes_move_forward_only(ledger: EffectLedger, job: JobRecord) -> None:
    ledger.ensure_items(job.job_id, [(0, "A"), (1, "B")])
    ledger.ensure_items(job.job_id, [(0, "A"), (1, "B")])  # a re-run creates nothing twice
    ledger.mark_item_running(job.job_id, 0)
    ledger.record_item_success(job.job_id, 0, product_id=7, action="created")
    ledger.mark_item_running(job.job_id, 0)  # a late retry does not move it back
    ledger.record_item_failure(job.job_id, 0, code="store_unavailable", message="late")  # nor fail it
    ledger.record_item_failure(job.job_id, 1, code="already_exists", message="exists")
    a, b = ledger.items(job.job_id)
    assert (a.status, a.product_id, a.action, a.error_code) == ("succeeded", 7, "created", None)
    assert (b.status, b.error_code, b.error_message) == ("failed", "already_exists", "exists")


def test_note_attempt_only_raises(jobs_repo: JobRepository, job: JobRecord) -> None:
    jobs_repo.note_attempt(job.job_id, 3)
    jobs_repo.note_attempt(job.job_id, 2)
    record = jobs_repo.get(job.job_id)
    assert record is not None and record.attempts == 3


def test_start_and_finish_item_in_one_transaction_each_and_repeatable(ledger: EffectLedger, job: JobRecord) -> None:
    ledger.ensure_items(job.job_id, [(0, "A")])
    assert ledger.start_item(job.job_id, 0, "item:0") is None  # nothing planned yet; the item is running
    assert ledger.items(job.job_id)[0].status == "running"
    ledger.plan_effect(job.job_id, "item:0", {"reference": "A", "action": "created"})
    planned = ledger.start_item(job.job_id, 0, "item:0")
    assert planned is not None and not planned.applied

    done = ledger.finish_item(job.job_id, 0, "item:0", product_id=42)
    assert done.applied and done.data == {"reference": "A", "action": "created", "product_id": 42}
    assert ledger.get_effect(job.job_id, "item:0") == done  # what it returns is what the row holds
    again = ledger.finish_item(job.job_id, 0, "item:0")  # a retry after the completion was lost
    assert again == done
    assert ledger.start_item(job.job_id, 0, "item:0") == done  # a late start does not move the item back
    (item,) = ledger.items(job.job_id)
    assert (item.status, item.product_id, item.action) == ("succeeded", 42, "created")
    with pytest.raises(LookupError):
        ledger.finish_item(job.job_id, 0, "item:9")
