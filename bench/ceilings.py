"""The ceilings that bound each figure, measured on this machine in the same run.

- C1: a bare Litestar handler returning a constant, served like the bridge (``bench/bare_app.py``), under wrk.
- C2: raw Temporal ``start_workflow`` throughput against the same dev server (no worker: starting is the cost).
- C3: raw MySQL single-row INSERT (autocommit) and primary-key SELECT rates through SQLAlchemy + pymysql.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select

from bench.wrk import WrkResult, run_wrk
from bridge.devstack.processes import free_port


@dataclass
class Rate:
    per_second: float
    p50_ms: float
    p99_ms: float


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def bare_litestar(seconds: float) -> WrkResult:
    """C1."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "bench.bare_app", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/constant", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the bare Litestar app did not start")
            time.sleep(0.1)
        return run_wrk(f"http://127.0.0.1:{port}/constant", seconds=seconds)
    finally:
        server.terminate()
        server.wait(timeout=10)


async def temporal_starts(address: str, *, starts: int = 2000, concurrency: int = 32) -> Rate:
    """C2: how fast one client process can start workflows on this dev server."""
    from temporalio.client import Client

    client = await Client.connect(address)
    latencies: list[float] = []
    queue = iter(range(starts))

    async def starter() -> None:
        for _ in queue:
            began = time.perf_counter()
            await client.start_workflow("BenchCeilingNoop", id=f"bench-ceiling-{uuid.uuid4()}",
                                        task_queue="bench-ceiling-no-worker")
            latencies.append((time.perf_counter() - began) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(starter() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    return Rate(starts / elapsed, percentile(latencies, 0.5), percentile(latencies, 0.99))


def mysql_rates(mysql_url: str, *, rows: int = 3000) -> tuple[Rate, Rate]:
    """C3: one connection, one statement per round trip, each INSERT committed on its own."""
    engine = create_engine(mysql_url, pool_size=1)
    metadata = MetaData()
    table = Table(f"bench_ceiling_{uuid.uuid4().hex[:8]}", metadata,
                  Column("id", Integer, primary_key=True, autoincrement=True),
                  Column("payload", String(64), nullable=False))
    metadata.create_all(engine)
    try:
        insert_latencies: list[float] = []
        began = time.perf_counter()
        with engine.connect() as conn:
            for n in range(rows):
                t = time.perf_counter()
                conn.execute(insert(table).values(payload=f"row-{n}"))
                conn.commit()
                insert_latencies.append((time.perf_counter() - t) * 1000)
        insert_rate = Rate(rows / (time.perf_counter() - began), percentile(insert_latencies, 0.5),
                           percentile(insert_latencies, 0.99))
        select_latencies: list[float] = []
        began = time.perf_counter()
        with engine.connect() as conn:
            for n in range(rows):
                t = time.perf_counter()
                conn.execute(select(table).where(table.c.id == n + 1)).first()
                select_latencies.append((time.perf_counter() - t) * 1000)
        select_rate = Rate(rows / (time.perf_counter() - began), percentile(select_latencies, 0.5),
                           percentile(select_latencies, 0.99))
        return insert_rate, select_rate
    finally:
        metadata.drop_all(engine)
        engine.dispose()
