"""Background heartbeats for activities that talk to the store.

Why in the background: one webservice call may take up to the gateway's read timeout (10 s by default), longer
than we want Temporal to wait before noticing that a worker died. A small task heartbeats every
``interval`` seconds for as long as the activity runs, so the workflow's heartbeat timeout (10 s) can stay short
and a killed worker's activity is retried elsewhere within seconds — whatever the activity is waiting on.

The first beat comes after ``interval``, not at the start: an activity shorter than that (nearly every one)
sends no heartbeat RPC at all. (No measurable throughput change on the import benchmark; it removes work, not
latency.)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from temporalio import activity


@contextlib.asynccontextmanager
async def heartbeating(interval: float = 2.0) -> AsyncIterator[None]:
    async def beat() -> None:
        while True:
            # Sleep first: an activity that ends within ``interval`` (nearly all of them) sends no heartbeat at
            # all — each one is an RPC that the server persists. The first beat still comes long before the
            # workflow's heartbeat timeout (10 s).
            await asyncio.sleep(interval)
            activity.heartbeat()

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
