"""The bridge's figures, each measured over real HTTP against the stack ``make run`` starts."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench.ceilings import Rate, percentile
from bench.stack import BenchStack
from bench.wrk import WrkResult, raw_request, run_wrk
from tests.support.signed_client import SignedClient

TERMINAL = {"succeeded", "failed", "partially_succeeded"}


async def signed_client(bench: BenchStack) -> SignedClient:
    c = bench.client
    return await SignedClient.create(bench.api_url, c.client_id, c.client_secret, c.hmac_secret, timeout=120)


def presigned(client: SignedClient, host: str, method: str, targets_and_bodies: list[tuple[str, bytes]],
              *, timestamp: int) -> list[bytes]:
    """Raw HTTP requests, each with its own request id, all stamped ``timestamp`` (valid ±window around it)."""
    requests = []
    for target, body in targets_and_bodies:
        headers = client.signed_headers(method, target, body, timestamp=timestamp)
        if method != "GET":
            headers["Content-Type"] = "application/json"
        requests.append(raw_request(method, target, host, headers, body))
    return requests


def update_body(product_id: int) -> bytes:
    price = f"{random.randint(100, 99999) / 100:.2f}"
    return json.dumps({"product_id": product_id, "updates": {"price_ht": price}}, separators=(",", ":")).encode()


async def accept(bench: BenchStack, client: SignedClient, *, seconds: float, upper_rps: float,
                 worker_paused: bool) -> WrkResult:
    """Signed update_product → 202, under wrk; every request a distinct X-Request-ID (a new job).

    With ``worker_paused`` the worker process is stopped (SIGSTOP) for the run, as it is absent when C2 is
    measured: the figure is then the accept path alone (gate, schema, idempotency, store pre-check, MySQL,
    workflow start). Without it, the same two cores also execute every accepted job.
    """
    count = int(upper_rps * seconds * 1.2) + 1000
    host = urlsplit(bench.api_url).netloc
    bodies = [("/v1/jobs/products/update", update_body(random.randint(1, 19))) for _ in range(count)]
    requests = presigned(client, host, "POST", bodies, timestamp=int(time.time()) + 15)
    worker = bench.pid("worker")
    if worker_paused:
        os.killpg(os.getpgid(worker), signal.SIGSTOP)
    try:
        return await asyncio.to_thread(run_wrk, bench.api_url, requests, seconds=seconds)
    finally:
        if worker_paused:
            os.killpg(os.getpgid(worker), signal.SIGCONT)


async def a_finished_job(client: SignedClient) -> str:
    response = await client.post("/v1/jobs/products/update", json={"product_id": 19, "updates": {"price_ht": "9.5"}})
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    await wait_terminal(client, job_id)
    return job_id


async def poll(bench: BenchStack, client: SignedClient, job_id: str, *, seconds: float, upper_rps: float,
               delay_ms: float = 0.0, connections: int = 32) -> WrkResult:
    """Signed GET /v1/jobs/{id} under wrk (each read a fresh request id: reads are single-use)."""
    count = int(upper_rps * seconds * 1.2) + 1000
    host = urlsplit(bench.api_url).netloc
    targets = [(f"/v1/jobs/{job_id}", b"")] * count
    requests = presigned(client, host, "GET", targets, timestamp=int(time.time()) + 15)
    return await asyncio.to_thread(run_wrk, bench.api_url, requests, seconds=seconds, delay_ms=delay_ms,
                                   connections=connections)


@dataclass
class ReadOverhead:
    bridge: Rate
    direct: Rate
    store_calls: int

    @property
    def added_p50_ms(self) -> float:
        return self.bridge.p50_ms - self.direct.p50_ms


async def read_overhead(bench: BenchStack, client: SignedClient, *, samples: int = 300) -> ReadOverhead:
    """Sequential signed GET /v1/products/{id} vs. the same store calls made directly with httpx.

    The direct baseline replays exactly the webservice requests one bridge read makes (taken from the
    simulator's request log), all at once, so the difference is what the bridge adds: gate, gateway and its
    ordering of calls, decoding, JSON.
    """
    admin = bench.store_admin_url.rstrip("/")
    async with httpx.AsyncClient(timeout=10) as http:
        await http.delete(f"{admin}/inspect")
        response = await client.get("/v1/products/19")
        assert response.status_code == 200, response.text
        log = (await http.get(f"{admin}/inspect")).json()["requests"]
    calls = [(entry["path"], entry.get("query", "")) for entry in log if entry["path"].startswith("/api/")]

    bridge_ms: list[float] = []
    for _ in range(samples):
        began = time.perf_counter()
        response = await client.get(f"/v1/products/{random.randint(1, 19)}")
        bridge_ms.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200

    # The baseline is the fastest direct way to get the same data: every call at once on a warm pool.
    direct_ms: list[float] = []
    key = bench.settings.prestashop_key
    async with httpx.AsyncClient(base_url=bench.store_url, auth=(key, ""), timeout=10) as store:
        urls = [store.base_url.copy_with(raw_path=(path + ("?" + query if query else "")).encode())
                for path, query in calls]
        for _ in range(samples):
            began = time.perf_counter()
            for response in await asyncio.gather(*(store.get(url) for url in urls)):
                response.raise_for_status()
            direct_ms.append((time.perf_counter() - began) * 1000)

    def rate(ms: list[float]) -> Rate:
        return Rate(1000 / (sum(ms) / len(ms)), percentile(ms, 0.5), percentile(ms, 0.99))

    return ReadOverhead(rate(bridge_ms), rate(direct_ms), len(calls))


async def wait_terminal(client: SignedClient, job_id: str, *, interval: float = 0.01,
                        timeout: float = 300) -> tuple[float, dict]:
    deadline = time.monotonic() + timeout
    while True:
        response = await client.get(f"/v1/jobs/{job_id}")
        body = response.json()
        if response.status_code == 200 and body["status"] in TERMINAL:
            return time.perf_counter(), body
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {body.get('status')} after {timeout} s")
        await asyncio.sleep(interval)


async def end_to_end(client: SignedClient, *, rate_per_second: float, jobs: int) -> tuple[Rate, int]:
    """202 → terminal status visible in GET /v1/jobs, at a steady arrival rate; returns latencies and failures."""
    latencies: list[float] = []
    failures = 0

    async def one(product_id: int) -> None:
        nonlocal failures
        response = await client.post("/v1/jobs/products/update",
                                     json={"product_id": product_id, "updates": {"price_ht": "10.00"}})
        accepted_at = time.perf_counter()
        assert response.status_code == 202, response.text
        finished_at, job = await wait_terminal(client, response.json()["job_id"])
        latencies.append((finished_at - accepted_at) * 1000)
        failures += job["status"] != "succeeded"

    tasks = []
    began = time.perf_counter()
    for n in range(jobs):
        tasks.append(asyncio.create_task(one(1 + n % 19)))
        await asyncio.sleep(max(0.0, began + (n + 1) / rate_per_second - time.perf_counter()))
    await asyncio.gather(*tasks)
    return Rate(rate_per_second, percentile(latencies, 0.5), percentile(latencies, 0.99)), failures


def import_body(run: str, batch: int, items: int = 50) -> dict:
    return {
        "batch_id": f"bench-{run}-{batch}",
        "items": [
            {"reference": f"B{run}-{batch}-{i}", "name": {"en": f"Bench item {i}", "fr": f"Article {i}"},
                "price_ht": "12.50", "quantity": 10, "category_ids": [2]}
            for i in range(items)
        ],
    }


@dataclass
class ImportFigures:
    one_batch_seconds: float
    many_batches: int
    many_seconds: float
    items_per_second: float
    worker_peak_rss_mib: float
    items_failed: int


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def imports(bench: BenchStack, client: SignedClient, *, latency_ms: int = 20, batches: int = 100) -> ImportFigures:
    """One 50-item batch, then ``batches`` at once, with ``latency_ms`` injected on every store call."""
    run = uuid.uuid4().hex[:6]
    admin = bench.store_admin_url.rstrip("/")
    async with httpx.AsyncClient(timeout=10) as http:
        (await http.post(f"{admin}/faults", json={"latency_ms": latency_ms})).raise_for_status()
    try:
        began = time.perf_counter()
        response = await client.post("/v1/jobs/products/import", json=import_body(run, 0))
        assert response.status_code == 202, response.text
        _, job = await wait_terminal(client, response.json()["job_id"], interval=0.02)
        one = time.perf_counter() - began
        failed = job["items"]["failed"]

        began = time.perf_counter()
        responses = await asyncio.gather(*(
            client.post("/v1/jobs/products/import", json=import_body(run, b)) for b in range(1, batches + 1)))
        assert all(r.status_code == 202 for r in responses), [r.text for r in responses if r.status_code != 202][:1]
        results = await asyncio.gather(*(wait_terminal(client, r.json()["job_id"], interval=0.25) for r in responses))
        many = time.perf_counter() - began
        failed += sum(body["items"]["failed"] for _, body in results)
    finally:
        async with httpx.AsyncClient(timeout=10) as http:
            await http.delete(f"{admin}/faults")
    return ImportFigures(one, batches, many, batches * 50 / many, peak_rss_mib(bench.pid("worker")), failed)
