"""``bridge preflight`` against the real API over HTTP, with a real worker so the check job reaches a terminal state.

The API and the worker share a task queue of this module's own (as in tests/jobs/test_write_end_to_end.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.client import Client

from bridge.clients import ClientRegistry, CreatedClient
from bridge.devstack import PrivateRedis
from bridge.preflight import FAIL, PARTIAL, PASS, PreflightConfig, run_preflight
from bridge.preflight.examples import DEMO_SECRET, parse_seed_block, verify_seed_block
from bridge.settings import Settings
from tests.support.api_server import ThreadedApiServer

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples.http"
PRODUCT_ID = 3


@pytest.fixture(scope="module")
def preflight_settings(pipeline_settings: Settings) -> Settings:
    return pipeline_settings.replace(
        temporal_task_queue=f"{pipeline_settings.temporal_task_queue}-preflight-{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="module")
async def worker(preflight_settings: Settings, temporal_address: str) -> AsyncIterator[None]:
    from bridge.worker import build_worker, open_worker_resources

    client = await Client.connect(temporal_address)
    async with open_worker_resources(preflight_settings) as resources, \
            build_worker(client, preflight_settings, resources):
        yield


@pytest.fixture(scope="module")
def preflight_api(preflight_settings: Settings) -> Iterator[ThreadedApiServer]:
    server = ThreadedApiServer(preflight_settings).start()
    yield server
    server.stop()


@pytest.fixture
def credentials(pipeline_registry: ClientRegistry) -> CreatedClient:
    """A client with the default scopes (bridge:read bridge:write) and the default rate limits (20 writes/min is
    enough for one full run)."""
    return pipeline_registry.create(name="preflight test client")


def config_for(api: ThreadedApiServer, created: CreatedClient, **overrides: object) -> PreflightConfig:
    values: dict[str, object] = {
        "api_url": api.base_url, "client_id": created.client_id, "client_secret": created.client_secret,
        "hmac_secret": created.hmac_secret, "product_id": PRODUCT_ID, "examples_file": EXAMPLES,
        "job_timeout": 20.0,
    }
    values.update(overrides)
    return PreflightConfig(**values)  # type: ignore[arg-type]


def statuses(report: object) -> dict[int, str]:
    return {check.number: check.status for check in report.checks}  # type: ignore[attr-defined]


async def test_full_preflight_passes_1_to_4_and_reports_5_and_6_partial(
    worker: None, preflight_api: ThreadedApiServer, credentials: CreatedClient
) -> None:
    report = await run_preflight(config_for(preflight_api, credentials))
    print("\n".join(report.lines()))  # the operator's view, with -s
    by_number = {check.number: check for check in report.checks}
    assert statuses(report) == {1: PASS, 2: PASS, 3: PASS, 4: PASS, 5: PARTIAL, 6: PARTIAL}, report.lines()
    assert report.exit_code == 0 and report.status == PARTIAL

    assert set(by_number[1].details["forged"].values()) == {"401 invalid_token"}
    assert len(by_number[1].details["forged"]) == 5
    assert by_number[2].details["live"] == {"flipped signature": "403 invalid_signature", "correct signature": "200"}
    answers = by_number[3].details["answers"]
    assert len(answers) == 11 and all(answer.startswith("400") for answer in answers.values())
    assert answers["update_product: TTC price"] == "400 ttc_price_forbidden"
    assert by_number[3].details["replay_after_400"].startswith("202 new job")
    job_id = by_number[4].details["job_id"]
    assert [r["status"] for r in by_number[4].details["replays"]] in ([202, 202, 409], [200, 200, 409],
                                                                       [202, 200, 409])
    assert by_number[5].details == {"job_id": job_id, "status": "succeeded",
                                    "readyz": {"mysql": "up", "redis": "up", "temporal": "up", "prestashop": "up"}}
    assert "tests/jobs/test_write_resilience.py" in by_number[5].reason
    assert "tests/faults/" in by_number[6].reason and by_number[6].details["attempts"] >= 1

    line = report.lines()
    assert len(line) == 7 and line[0].startswith("[PASS] 1. JWT issuance") and line[5].startswith("[PARTIAL] 6.")


async def test_a_restart_hook_that_restarts_redis_makes_check_5_pass(
    worker: None, preflight_settings: Settings, credentials: CreatedClient
) -> None:
    with PrivateRedis() as redis_server:
        api = ThreadedApiServer(preflight_settings.replace(redis_url=redis_server.url)).start()
        restarted: list[bool] = []

        async def restart() -> None:
            await asyncio.to_thread(redis_server.restart)  # no persistence: the idempotency cache is gone
            restarted.append(True)

        try:
            report = await run_preflight(config_for(api, credentials, checks=(5,), redis_restart=restart,
                                                    redis_restart_description="private redis restart"))
        finally:
            api.stop()
    assert restarted == [True]
    assert statuses(report) == {4: PASS, 5: PASS}, report.lines()
    assert any("after the restart" in fact for fact in report.checks[1].verified)


async def test_a_wrong_hmac_secret_fails_the_live_part_of_check_2(
    preflight_api: ThreadedApiServer, credentials: CreatedClient
) -> None:
    report = await run_preflight(config_for(preflight_api, credentials, hmac_secret="not-the-client-secret",
                                            checks=(2,)))
    (check,) = report.checks
    assert check.status == FAIL and report.exit_code == 1
    assert "403 invalid_signature" in check.reason and "--hmac-secret" in check.reason
    assert check.details["live"]["correct signature"] == "403 invalid_signature"
    assert any("examples.http" in fact for fact in check.verified)  # the file part still passed


@pytest.mark.parametrize(("original", "tampered"), [
    ("# canonical> 1710950400", "# canonical> 1710950401"),
    ("demo-signature: 19acf9be", "demo-signature: 19acf9bf"),
    ("X-Request-ID: f47ac10b", "X-Request-ID: f47ac10c"),
])
async def test_a_tampered_examples_file_fails_check_2(
    preflight_api: ThreadedApiServer, credentials: CreatedClient, tmp_path: Path, original: str, tampered: str
) -> None:
    text = EXAMPLES.read_text(encoding="utf-8")
    assert text.count(original) == 1
    copy = tmp_path / "examples.http"
    copy.write_text(text.replace(original, tampered), encoding="utf-8")
    report = await run_preflight(config_for(preflight_api, credentials, examples_file=copy, checks=(2,)))
    (check,) = report.checks
    assert check.status == FAIL, check
    assert str(copy) in check.reason
    assert check.details["live"]["correct signature"] == "200"  # only the file is wrong


def test_the_repository_examples_file_carries_the_seed_example() -> None:
    block = parse_seed_block(EXAMPLES.read_text(encoding="utf-8"))
    assert verify_seed_block(block) == []
    assert block.fields["demo-secret"] == DEMO_SECRET


async def test_the_cli_entry_point_runs_the_checks_and_prints_json(
    worker: None, preflight_api: ThreadedApiServer, credentials: CreatedClient
) -> None:
    env = {**os.environ, "BRIDGE_URL": preflight_api.base_url, "BRIDGE_CLIENT_ID": credentials.client_id,
           "BRIDGE_CLIENT_SECRET": credentials.client_secret, "BRIDGE_HMAC_SECRET": credentials.hmac_secret}
    bridge = Path(sys.executable).with_name("bridge")
    process = await asyncio.create_subprocess_exec(
        str(bridge), "preflight", "--product-id", str(PRODUCT_ID), "--examples-file", str(EXAMPLES), "--json",
        "--job-timeout", "20", cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    report = json.loads(stdout)
    assert report["status"] == PARTIAL and report["exit_code"] == 0
    assert [(c["number"], c["status"]) for c in report["checks"]] == [
        (1, PASS), (2, PASS), (3, PASS), (4, PASS), (5, PARTIAL), (6, PARTIAL)]

    failing = await asyncio.create_subprocess_exec(
        str(bridge), "preflight", "--product-id", str(PRODUCT_ID), "--check", "2", "--hmac-secret", "wrong",
        cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(failing.communicate(), timeout=60)
    assert failing.returncode == 1
    lines = out.decode().splitlines()
    assert lines[0].startswith("[FAIL] 2. the exact HMAC example in examples.http:")
    assert lines[-1].startswith("preflight FAIL: 0 passed, 0 partial, 1 failed")
