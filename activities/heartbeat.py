"""Background heartbeats for activities that talk to the store.

Why in the background: one webservice call may take up to the gateway's read timeout (10 s by default), longer
than we want Temporal to wait before noticing that a worker died. A small task heartbeats every
``interval`` seconds for as long as the activity runs, so the workflow's heartbeat timeout (10 s) can stay short
and a killed worker's activity is retried elsewhere within seconds — whatever the activity is waiting on.
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
            activity.heartbeat()
            await asyncio.sleep(interval)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
