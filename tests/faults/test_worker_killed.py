"""A worker process killed with SIGKILL in the middle of an import, then restarted: each effect exactly once.

The worker runs as a real child process (``bridge worker``, configured by BRIDGE_* variables) on a
task queue of this test's own. The simulator's latency keeps the batch running long enough to kill the worker
with items done, in flight and not started. Temporal notices the dead worker through missed heartbeats and
re-runs its activities on the restarted worker; the simulator's inspection endpoint then counts the effects.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from pathlib import Path

import pytest
from temporalio.client import Client

from bridge.devstack.processes import ManagedProcess
from bridge.jobs.ledger import EffectLedger
from bridge.settings import Settings
from bridge.store_simulator import SimulatorAdmin
from bridge.worker import purge_schedule_id
from tests.workflows.worker_fixtures import Jobs, eventually

ROOT = Path(__file__).resolve().parents[2]


def _worker_process(settings: Settings, log_path: Path) -> ManagedProcess:
    env = {
        **os.environ,
        "BRIDGE_MYSQL_URL": settings.mysql_url,
        "BRIDGE_TEMPORAL_ADDRESS": settings.temporal_address,
        "BRIDGE_TEMPORAL_NAMESPACE": settings.temporal_namespace,
        "BRIDGE_TEMPORAL_TASK_QUEUE": settings.temporal_task_queue,
        "BRIDGE_PRESTASHOP_URL": settings.prestashop_url,
        "BRIDGE_PRESTASHOP_KEY": settings.prestashop_key,
        "BRIDGE_IMPORT_ITEM_PARALLELISM": str(settings.import_item_parallelism),
    }
    bridge_command = Path(sys.executable).with_name("bridge")
    return ManagedProcess("bridge worker", [str(bridge_command), "worker"], log_path=log_path, env=env, cwd=ROOT)


def _start(process: ManagedProcess) -> None:
    process.start()
    process.wait_ready(lambda: "worker polling task queue" in process.log_tail(200), timeout=30,
                       what="polling")


@pytest.fixture
def killable_settings(worker_settings: Settings) -> Settings:
    return worker_settings.replace(temporal_task_queue=f"killable-{uuid.uuid4().hex[:8]}",
                                   import_item_parallelism=4)


@pytest.fixture
async def cleanup_schedule(killable_settings: Settings, wf_temporal_client: Client):  # type: ignore[no-untyped-def]
    yield
    try:
        await wf_temporal_client.get_schedule_handle(purge_schedule_id(killable_settings)).delete()
    except Exception:
        pass


@pytest.mark.slow
async def test_sigkill_mid_import_then_restart_applies_each_effect_once(
    jobs: Jobs, sim: SimulatorAdmin, ledger: EffectLedger, killable_settings: Settings, tmp_path: Path,
    cleanup_schedule: None,
) -> None:
    sim.set_faults(latency_ms=150)
    items = [{"reference": f"KILL-{n:02d}", "name": f"Kill {n}", "price_ht": "3", "quantity": n + 1}
             for n in range(20)]
    job = jobs.insert("import_products", {"batch_id": "kill-batch", "items": items}, batch_id="kill-batch")

    first = _worker_process(killable_settings, tmp_path / "worker-1.log")
    _start(first)
    second = _worker_process(killable_settings, tmp_path / "worker-2.log")
    try:
        handle = await jobs.start(job, task_queue=killable_settings.temporal_task_queue)
        # Kill once some items are done and others are not.
        await eventually(
            lambda: 3 <= sum(i.status == "succeeded" for i in ledger.items(job.job_id)) < 20,
            timeout=60, interval=0.05,
        )
        assert first.pid is not None
        os.kill(first.pid, signal.SIGKILL)
        await asyncio.to_thread(first.stop)
        done_at_kill = sum(i.status == "succeeded" for i in ledger.items(job.job_id))
        assert done_at_kill < 20, "the batch finished before the kill; raise the simulated latency"

        _start(second)
        result = await asyncio.wait_for(handle.result(), timeout=120)
    finally:
        first.stop()
        second.stop()

    assert result.status == "succeeded", (result, second.log_tail())
    outcome = ledger.items(job.job_id)
    assert [i.status for i in outcome] == ["succeeded"] * 20
    assert len({i.product_id for i in outcome}) == 20
    seen = sim.inspect()
    assert seen["products_created"] == 20  # not one product created twice
    # every new product's stock was set exactly once
    assert sorted(seen["stock_writes"]) == sorted(str(i.product_id) for i in outcome)
    assert set(seen["stock_writes"].values()) == {1}
    for item in outcome:
        assert int(sim.get_object("products", item.product_id)["reference"].split("-")[1]) == item.item_index


@pytest.mark.slow
async def test_sigterm_stops_the_worker_gracefully(
    killable_settings: Settings, tmp_path: Path, cleanup_schedule: None, sim: SimulatorAdmin
) -> None:
    process = _worker_process(killable_settings, tmp_path / "worker.log")
    _start(process)
    assert process.pid is not None
    os.kill(process.pid, signal.SIGTERM)
    for _ in range(200):
        if not process.running():
            break
        await asyncio.sleep(0.1)
    code = process.returncode
    log = process.log_tail(50)
    process.stop()
    assert code == 0, log
    assert "worker stopping" in log
