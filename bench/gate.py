"""What the security gate adds per request, measured in-process on the real gate with real MySQL and Redis.

The gate (``bridge.auth.gate.Gate.admit``) is framework-independent, so it is timed directly on ASGI scopes of
signed reads: token verification (cached after the first), client lookup (cached), header checks, timestamp
window, HMAC, and the rate-limit + single-use-id round trip to Redis. That Redis call (``RateLimiter.admit``, one
Lua script) is then timed alone with the same arguments, so the gate's own work is the difference.
"""

from __future__ import annotations

import time
import uuid

from redis.asyncio import Redis

from bench.ceilings import Rate, percentile
from bridge.auth.rate_limit import RequestClass
from bridge.auth.services import AuthServices
from bridge.db.engine import create_db_engine
from bridge.settings import Settings
from tests.support.signed_client import SignedClient


async def gate_overhead(settings: Settings, client: SignedClient, client_id: str, *,
                        samples: int = 3000) -> tuple[Rate, Rate]:
    """(the whole gate, its Redis rate-limit call alone)."""
    engine = create_db_engine(settings.mysql_url, pool_size=2)
    redis = Redis.from_url(settings.redis_url)
    try:
        services = AuthServices.build(settings, engine=engine, redis=redis)
        gate = services.gate
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
        for s in scopes[50:]:
            began = time.perf_counter()
            await gate.admit(s, receive)
            gate_ms.append((time.perf_counter() - began) * 1000)

        redis_ms = []
        for _ in range(samples):
            request_id = str(uuid.uuid4())
            began = time.perf_counter()
            await services.limiter.admit(client_id, RequestClass.READ, 10**9, request_id=request_id)
            redis_ms.append((time.perf_counter() - began) * 1000)
    finally:
        await redis.aclose()
        engine.dispose()

    def rate(ms: list[float]) -> Rate:
        return Rate(1000 / (sum(ms) / len(ms)), percentile(ms, 0.5), percentile(ms, 0.99))

    return rate(gate_ms), rate(redis_ms)
