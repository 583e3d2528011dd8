"""What the security gate adds per request, measured in-process on the real gate with real MySQL and Redis.

The gate (``bridge.auth.gate.Gate.admit``) is framework-independent, so it is timed directly on ASGI scopes of
signed reads: token verification (cached after the first), client lookup (cached), header checks, timestamp
window, HMAC, and the rate-limit + single-use-id round trip to Redis. Two numbers come out: wall time per call,
and CPU time per call in this process (``time.process_time``), which leaves out the wait for Redis but counts
everything the bridge itself does, redis-py's work included. On a loaded 2-core machine the Redis round trip's
jitter is larger than the gate's own work, so the CPU time is the figure compared with the target.
"""

from __future__ import annotations

import time
import uuid

from redis.asyncio import Redis

from bench.ceilings import Rate, percentile
from bridge.auth.services import AuthServices
from bridge.db.engine import create_db_engine
from bridge.settings import Settings
from tests.support.signed_client import SignedClient


async def gate_overhead(settings: Settings, client: SignedClient, *, samples: int = 3000) -> tuple[Rate, float]:
    """(wall time of the whole gate, the gate's CPU time per call in µs)."""
    engine = create_db_engine(settings.mysql_url, pool_size=2)
    redis = Redis.from_url(settings.redis_url)
    try:
        gate = AuthServices.build(settings, engine=engine, redis=redis).gate
        target = f"/v1/jobs/{uuid.uuid4()}"
        now = int(time.time())

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        def scope() -> dict:
            headers = client.signed_headers("GET", target, b"", timestamp=now)
            return {"type": "http", "method": "GET", "path": target, "raw_path": target.encode(),
                    "query_string": b"", "client": ("127.0.0.1", 50000), "state": {},
                    "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}

        scopes = [scope() for _ in range(samples + 50)]
        for warm in scopes[:50]:  # first call verifies the RSA signature and loads the client
            await gate.admit(warm, receive)
        gate_ms = []
        cpu_began = time.process_time()
        for s in scopes[50:]:
            began = time.perf_counter()
            await gate.admit(s, receive)
            gate_ms.append((time.perf_counter() - began) * 1000)
        cpu_us = (time.process_time() - cpu_began) / samples * 1e6
    finally:
        await redis.aclose()
        engine.dispose()

    return Rate(1000 / (sum(gate_ms) / len(gate_ms)), percentile(gate_ms, 0.5), percentile(gate_ms, 0.99)), cpu_us
