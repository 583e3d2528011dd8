"""``python -m bench`` (``make bench``): start the stack, measure the ceilings, measure the figures, print the table.

Order matters on a 2-core machine: ceilings first (quiet machine), then the figures that need a quiet worker
(read, poll, end-to-end, import), and the accept figure last, because every accepted job keeps the worker busy
afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench import ceilings, figures
from bench.gate import gate_overhead
from bench.stack import BenchStack, start_stack
from bridge.settings import Settings


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")))
    return f"{os.cpu_count()} cores ({cpu}), {mem_kib / 1024 / 1024:.0f} GiB, Python {platform.python_version()}"


def ratio(value: float, ceiling: float) -> str:
    return f"{value / ceiling:.2f}×" if ceiling else "n/a"


async def run(bench: BenchStack, seconds: float, batches: int, e2e_jobs: int) -> list[str]:
    rows: list[tuple[str, str, str, str, str, str]] = []

    def row(name: str, measured: str, ceiling: str, ratio_text: str, target: str, met: bool | None) -> None:
        verdict = "—" if met is None else ("yes" if met else "**no**")
        rows.append((name, measured, ceiling, ratio_text, target, verdict))
        print(f"  {name}: {measured} | ceiling {ceiling} | {ratio_text} | target {target} | met: {verdict}",
              flush=True)

    client = await figures.signed_client(bench)
    try:
        print("ceilings…", flush=True)
        c1 = await asyncio.to_thread(ceilings.bare_litestar, seconds)
        c2 = await ceilings.temporal_starts(bench.settings.temporal_address)
        c3_insert, c3_select = await asyncio.to_thread(ceilings.mysql_rates, bench.settings.mysql_url)
        row("C1 bare Litestar GET", f"{c1.requests_per_second:,.0f} req/s, p50 {c1.p50_ms:.2f} ms, "
            f"p99 {c1.p99_ms:.2f} ms", "—", "—", "ceiling", None)
        row("C2 Temporal start_workflow", f"{c2.per_second:,.0f} starts/s, p50 {c2.p50_ms:.2f} ms",
            "—", "—", "ceiling", None)
        row("C3 MySQL insert / PK select", f"{c3_insert.per_second:,.0f} inserts/s (p50 {c3_insert.p50_ms:.2f} ms)"
            f" / {c3_select.per_second:,.0f} selects/s (p50 {c3_select.p50_ms:.2f} ms)", "—", "—", "ceiling", None)

        print("gate overhead…", flush=True)
        gate, gate_cpu_us = await gate_overhead(bench.settings, client)
        row("gate overhead (in-process, per request)", f"CPU {gate_cpu_us:.0f} µs per request (Redis call included);"
            f" wall p50 {gate.p50_ms * 1000:.0f} µs, p99 {gate.p99_ms * 1000:.0f} µs with the Redis round trip",
            "—", "—", "≤ 100 µs", gate_cpu_us <= 100)

        print("read…", flush=True)
        read = await figures.read_overhead(bench, client)
        row("read GET /v1/products/{id} added p50", f"{read.added_p50_ms:.2f} ms (bridge p50 {read.bridge.p50_ms:.2f} ms)",
            f"direct store p50 {read.direct.p50_ms:.2f} ms ({read.store_calls} calls)", "—", "≤ 1.5 ms", read.added_p50_ms <= 1.5)

        print("poll…", flush=True)
        job_id = await figures.a_finished_job(client)
        poll = await figures.poll(bench, client, job_id, seconds=seconds, upper_rps=c1.requests_per_second)
        row("poll GET /v1/jobs/{id} (saturated)", f"{poll.requests_per_second:,.0f} req/s, p50 {poll.p50_ms:.2f} ms, "
            f"p99 {poll.p99_ms:.2f} ms, non-2xx {poll.non_2xx}", f"C1 {c1.requests_per_second:,.0f} req/s",
            ratio(poll.requests_per_second, c1.requests_per_second), "≥ 0.4× C1",
            poll.requests_per_second >= 0.4 * c1.requests_per_second and poll.non_2xx == 0)
        half = poll.requests_per_second / 2
        connections = 16
        paced = await figures.poll(bench, client, job_id, seconds=seconds, upper_rps=half,
                                   delay_ms=1000 * connections / half, connections=connections)
        row("poll at half that rate", f"{paced.requests_per_second:,.0f} req/s, p50 {paced.p50_ms:.2f} ms, "
            f"p99 {paced.p99_ms:.2f} ms", "—", "—", "p99 < 20 ms", paced.p99_ms < 20 and paced.non_2xx == 0)

        print("end to end…", flush=True)
        e2e, e2e_failed = await figures.end_to_end(client, rate_per_second=5, jobs=e2e_jobs)
        row("end-to-end 202 → succeeded visible", f"p50 {e2e.p50_ms:.0f} ms, p99 {e2e.p99_ms:.0f} ms at 5 jobs/s "
            f"({e2e_jobs} jobs, {e2e_failed} not succeeded)", "—", "—", "p50 ≤ 250 ms", e2e.p50_ms <= 250 and not e2e_failed)

        print("imports…", flush=True)
        imp = await figures.imports(bench, client, batches=batches)
        row("import 50 items, 20 ms store latency", f"{imp.one_batch_seconds:.2f} s", "—", "—", "≤ 2 s",
            imp.one_batch_seconds <= 2)
        row(f"import {imp.many_batches} batches at once", f"{imp.items_per_second:,.0f} items/s "
            f"({imp.many_seconds:.1f} s), worker peak RSS {imp.worker_peak_rss_mib:.0f} MiB, "
            f"{imp.items_failed} items failed", "—", "—", "report", None)

        print("accept…", flush=True)
        acc = await figures.accept(bench, client, seconds=seconds, upper_rps=c2.per_second * 2, worker_paused=True)
        row("accept update_product → 202 (worker paused, as for C2)",
            f"{acc.requests_per_second:,.0f} req/s, p50 {acc.p50_ms:.2f} ms, p99 {acc.p99_ms:.2f} ms, "
            f"non-2xx {acc.non_2xx}", f"C2 {c2.per_second:,.0f}/s; C3 {c3_insert.per_second:,.0f} inserts/s",
            ratio(acc.requests_per_second, c2.per_second), "≥ 0.8× C2",
            acc.requests_per_second >= 0.8 * c2.per_second and acc.non_2xx == 0)
        busy = await figures.accept(bench, client, seconds=seconds, upper_rps=c2.per_second * 2, worker_paused=False)
        row("accept while the same cores run every job", f"{busy.requests_per_second:,.0f} req/s, "
            f"p50 {busy.p50_ms:.2f} ms, p99 {busy.p99_ms:.2f} ms, non-2xx {busy.non_2xx}", "—", "—", "report", None)
    finally:
        await client.aclose()

    header = "| figure | measured | ceiling | ratio | target | met |\n|---|---|---|---|---|---|"
    return [header, *("| " + " | ".join(r) + " |" for r in rows)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10, help="duration of each wrk run")
    parser.add_argument("--batches", type=int, default=100, help="import batches started at once")
    parser.add_argument("--e2e-jobs", type=int, default=100, help="jobs in the end-to-end run (5 per second)")
    parser.add_argument("--out", default=".bench/latest.md", help="where to write the Markdown table")
    args = parser.parse_args()
    began = time.time()
    print("starting the stack (as make run does)…", flush=True)
    bench = start_stack(Settings.from_env())  # outside the event loop: DevStack runs its own loops
    try:
        table = asyncio.run(run(bench, args.seconds, args.batches, args.e2e_jobs))
    finally:
        print("stopping the stack…", flush=True)
        bench.stop()
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    text = "\n".join([f"Machine: {machine()}; commit {revision}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())};"
                      f" run took {time.time() - began:.0f} s.", "", *table, ""])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print("\n" + text)
    print(f"(written to {out})")


if __name__ == "__main__":
    sys.exit(main())
