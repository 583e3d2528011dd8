"""Effects happen once (contract §5) when Temporal re-runs an activity whose store write already landed.

The worker's activities receive a fault hook through their constructor (``StoreWriteFaults``); a test makes it
raise right after a store write succeeded and before the ledger records it — the crash window the effect ledger
exists for. Temporal retries the activity; the simulator's inspection endpoint then counts each effect.
"""

from __future__ import annotations

from bridge.jobs.ledger import EffectLedger
from bridge.store_simulator import SimulatorAdmin
from tests.workflows.worker_fixtures import Jobs, StoreWriteFaults


async def test_stock_delta_retried_after_its_write_is_applied_once(
    jobs: Jobs, sim: SimulatorAdmin, store_write_faults: StoreWriteFaults, ledger: EffectLedger
) -> None:
    store_write_faults.fail_after_write("stock")
    _, record = await jobs.run("update_product", {"product_id": 19, "updates": {"stock_delta": -4}})

    assert store_write_faults.fired, "the fault hook never fired"
    assert record.status == "succeeded", record.error_message
    assert int(sim.get_object("stock_availables", 19)["quantity"]) == 296  # not 292
    assert sim.inspect()["stock_writes"] == {"19": 1}
    effect = ledger.get_effect(record.job_id, "stock")
    assert effect is not None and effect.applied and effect.data["confirmed_on_retry"] is True
    assert record.result is not None and record.result["stock"] | {"race_window_note": ""} == {
        "before": 300, "after": 296, "delta": -4, "race_window_note": ""}
    assert record.attempts == 2


async def test_stock_changed_between_attempts_fails_with_both_numbers(
    jobs: Jobs, sim: SimulatorAdmin, store_write_faults: StoreWriteFaults, ledger: EffectLedger
) -> None:
    # After the bridge wrote 300 → 297, a shop order takes one more before the retry re-reads.
    store_write_faults.fail_after_write("stock", then=lambda: sim.set_stock(19, 296))
    _, record = await jobs.run("update_product", {"product_id": 19, "updates": {"stock_delta": -3}})

    assert record.status == "failed"
    assert record.error_code == "stock_changed_concurrently"
    assert record.error_retryable is False
    message = record.error_message or ""
    assert "300" in message and "297" in message and "296" in message
    assert int(sim.get_object("stock_availables", 19)["quantity"]) == 296
    assert sim.inspect()["stock_writes"] == {"19": 1}
    effect = ledger.get_effect(record.job_id, "stock")
    assert effect is not None and effect.data["found"] == 296 and effect.state == "planned"


async def test_price_patch_retried_reports_the_true_old_price(
    jobs: Jobs, sim: SimulatorAdmin, store_write_faults: StoreWriteFaults
) -> None:
    store_write_faults.fail_after_write("product_fields")
    _, record = await jobs.run("update_product", {"product_id": 19, "updates": {"price_ht": "21"}})
    assert record.status == "succeeded", record.error_message
    assert sim.get_object("products", 19)["price"] == "21.000000"
    assert record.result is not None and record.result["price"] == {"old": "13.9", "new": "21"}


async def test_order_status_retried_after_its_post_is_posted_once(
    jobs: Jobs, sim: SimulatorAdmin, store_write_faults: StoreWriteFaults
) -> None:
    store_write_faults.fail_after_write("order_state")
    store_write_faults.fail_after_write("tracking_number")
    _, record = await jobs.run("update_order_status", {
        "order_id": 2, "new_status": "shipped", "notify_customer": True, "tracking_number": "TRACK-1"})

    assert len(store_write_faults.fired) == 2
    assert record.status == "succeeded", record.error_message
    seen = sim.inspect()
    assert seen["history_rows_added"] == {"2": 1}
    assert seen["repeated_status"] == {}
    assert seen["tracking_updates"] == {"2": 1}
    # one "shipped" mail for the status, one "in transit" mail for the tracking number: each once
    assert seen["emails_by_order"] == {"2": 2}
    assert record.result is not None and record.result["tracking"]["previous"] in (None, "")


async def test_import_item_retried_after_its_post_creates_one_product(
    jobs: Jobs, sim: SimulatorAdmin, store_write_faults: StoreWriteFaults, ledger: EffectLedger
) -> None:
    # Fail right after the POST landed, before the new id was recorded: the retry must find it by reference.
    store_write_faults.fail_after_write("item:0:posted")
    # And after the whole item, once its id was recorded.
    store_write_faults.fail_after_write("item:1")
    payload = {"batch_id": "faults-import", "items": [
        {"reference": "ONCE-0", "name": "Once 0", "price_ht": "5", "quantity": 3},
        {"reference": "ONCE-1", "name": "Once 1", "price_ht": "6", "quantity": 4},
    ]}
    _, record = await jobs.run("import_products", payload, batch_id="faults-import")

    assert len(store_write_faults.fired) == 2
    assert record.status == "succeeded", record.error_message
    assert sim.inspect()["products_created"] == 2
    items = ledger.items(record.job_id)
    assert [(i.status, i.action) for i in items] == [("succeeded", "created"), ("succeeded", "created")]


async def test_a_store_that_stays_down_fails_the_job_instead_of_leaving_it_running(
    jobs: Jobs, sim: SimulatorAdmin
) -> None:
    sim.set_faults(error_rate=1.0, error_status=503)
    _, record = await jobs.run("update_product", {"product_id": 19, "updates": {"price_ht": "30"}})
    assert record.status == "failed"
    assert record.error_code == "store_unavailable"
    assert record.error_retryable is True
    assert record.finished_at is not None


async def test_transient_store_errors_are_retried_with_backoff_and_applied_once(
    jobs: Jobs, sim: SimulatorAdmin
) -> None:
    # The next two writes get a 503 from "a proxy in front of the store"; the gateway never retries a write itself.
    sim.set_faults(fail_next=2, error_status=503, methods=["PATCH"])
    _, record = await jobs.run("update_product", {"product_id": 19, "updates": {"price_ht": "17", "stock_delta": 2}})
    assert record.status == "succeeded", record.error_message
    assert record.attempts == 3
    assert sim.get_object("products", 19)["price"] == "17.000000"
    assert int(sim.get_object("stock_availables", 19)["quantity"]) == 302
    assert sim.inspect()["stock_writes"] == {"19": 1}
