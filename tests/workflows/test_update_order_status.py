"""UpdateOrderStatusWorkflow end to end: transitions re-checked in the workflow, e-mails, tracking number."""

from __future__ import annotations

import pytest

from bridge.store_simulator import SimulatorAdmin
from tests.workflows.worker_fixtures import Jobs


def _state(sim: SimulatorAdmin, order_id: int) -> int:
    return int(sim.get_object("orders", order_id)["current_state"])


@pytest.mark.parametrize("notify", [True, False])
async def test_status_change_posts_history_once_and_mails_only_when_asked(
    jobs: Jobs, sim: SimulatorAdmin, notify: bool
) -> None:
    _, record = await jobs.run("update_order_status",
                               {"order_id": 2, "new_status": "payment_accepted", "notify_customer": notify})

    assert record.status == "succeeded", record.error_message
    assert _state(sim, 2) == 2
    seen = sim.inspect()
    assert seen["history_rows_added"] == {"2": 1}
    assert seen["emails_by_order"] == ({"2": 1} if notify else {})
    assert record.result is not None
    assert record.result["previous_state"]["status"] == "awaiting_payment"
    assert record.result["new_state"] == {"id": 2, "name": "Payment accepted", "status": "payment_accepted"}
    assert record.result["customer_notified"] is notify


async def test_numeric_state_id_and_tracking_number(jobs: Jobs, sim: SimulatorAdmin) -> None:
    _, record = await jobs.run("update_order_status", {
        "order_id": 5, "new_status": 4, "notify_customer": False, "tracking_number": "1Z 999-AA/10#42"})
    assert record.status == "succeeded", record.error_message
    assert _state(sim, 5) == 4
    carrier = sim.get_object("order_carriers", 5)
    assert carrier["tracking_number"] == "1Z 999-AA/10#42"
    assert sim.inspect()["tracking_updates"] == {"5": 1}
    assert record.result is not None and record.result["tracking"]["tracking_number"] == "1Z 999-AA/10#42"
    assert sim.inspect()["emails"] == 0


@pytest.mark.parametrize(
    ("current", "new_status", "why"),
    [
        (6, "payment_accepted", "canceled"),  # from canceled: only refunded
        (7, "shipped", "refunded"),  # from refunded: nothing but refunded
        (5, "shipped", "delivered"),  # backwards from delivered
        (4, "shipped", "already"),  # to the state the order already has
    ],
)
async def test_refused_transitions_are_rechecked_in_the_workflow(
    jobs: Jobs, sim: SimulatorAdmin, current: int, new_status: str, why: str
) -> None:
    # The API accepted the job while the order was elsewhere; the order moved before the workflow ran.
    job = jobs.insert("update_order_status", {"order_id": 2, "new_status": new_status, "notify_customer": True})
    sim.patch_object("orders", 2, current_state=str(current))
    await (await jobs.start(job)).result()

    record = jobs.repo.get(job.job_id)
    assert record is not None and record.status == "failed"
    assert record.error_code == "invalid_transition"
    assert why in (record.error_message or "")
    assert _state(sim, 2) == current
    seen = sim.inspect()
    assert seen["history_rows_added"] == {} and seen["emails"] == 0


async def test_refund_of_a_canceled_order_is_allowed(jobs: Jobs, sim: SimulatorAdmin) -> None:
    _, record = await jobs.run("update_order_status", {"order_id": 1, "new_status": "refunded"})
    assert record.status == "succeeded", record.error_message
    assert _state(sim, 1) == 7


async def test_unknown_state_and_missing_order(jobs: Jobs, sim: SimulatorAdmin) -> None:
    _, record = await jobs.run("update_order_status", {"order_id": 2, "new_status": 99})
    assert (record.status, record.error_code) == ("failed", "unknown_order_state")
    _, record = await jobs.run("update_order_status", {"order_id": 4242, "new_status": "shipped"})
    assert (record.status, record.error_code) == ("failed", "order_not_found")
    assert sim.inspect()["history_rows_added"] == {}
