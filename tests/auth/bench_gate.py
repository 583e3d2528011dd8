"""Measure the gate's per-request overhead (not a test; run by hand).

    BRIDGE_MYSQL_URL=... BRIDGE_REDIS_URL=... BRIDGE_SECRETS_ENCRYPTION_KEY=... BRIDGE_SIGNING_KEYS_DIR=... \\
        .venv/bin/python -m tests.auth.bench_gate

Runs ``Gate.admit`` on a synthetic signed ASGI request (real token verification cache, real client cache, real
Redis) and times the Redis rate-limit call on its own, so the difference is the gate's own work.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid

from redis.asyncio import Redis

from bridge.auth.rate_limit import RequestClass
from bridge.auth.services import AuthServices
from bridge.auth.signing import body_sha256, canonical_string, sign
from bridge.db.engine import create_checked_engine
from bridge.settings import Settings


def scope_for(method: str, path: str, query: bytes, headers: dict[str, str]) -> dict:
    return {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": query,
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()], "client": ("127.0.0.1", 1)}


async def main(rounds: int = 3000) -> None:
    settings = Settings.from_env()
    engine = create_checked_engine(settings.mysql_url)
    redis = Redis.from_url(settings.redis_url)
    services = AuthServices.build(settings, engine=engine, redis=redis)
    created = services.registry.create(name="bench", reads_per_minute=10_000_000, writes_per_minute=10_000_000)
    token = services.issuer.issue(created.client_id, {"bridge:read", "bridge:write"}).access_token
    body = json.dumps({"product_id": 1, "updates": {"price_ht": "19.90"}}).encode()

    def receiver(payload: bytes):
        async def receive() -> dict:
            return {"type": "http.request", "body": payload, "more_body": False}
        return receive

    def signed(method: str) -> dict:
        request_id, ts = str(uuid.uuid4()), str(int(time.time()))
        payload = body if method == "POST" else b""
        sig = sign(created.hmac_secret, canonical_string(method, "/v1/jobs/products/update", ts, request_id,
                                                         body_sha256(payload)))
        return scope_for(method, "/v1/jobs/products/update", b"", {
            "authorization": f"Bearer {token}", "x-request-id": request_id, "x-timestamp": ts,
            "x-signature": sig, "content-type": "application/json", "content-length": str(len(payload))})

    for method, request_class in (("POST", RequestClass.WRITE), ("GET", RequestClass.READ)):
        receive = receiver(body if method == "POST" else b"")
        await services.gate.admit(signed(method), receive)  # warm caches (token, client record)
        gate_times, redis_times = [], []
        for _ in range(rounds):
            scope = signed(method)
            start = time.perf_counter()
            await services.gate.admit(scope, receive)
            gate_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            await services.limiter.admit(created.client_id, request_class, 10_000_000,
                                         request_id=str(uuid.uuid4()) if method == "GET" else None)
            redis_times.append(time.perf_counter() - start)
        gate_us, redis_us = statistics.median(gate_times) * 1e6, statistics.median(redis_times) * 1e6
        print(f"{method}: gate.admit median {gate_us:.0f} µs, of which the Redis decision {redis_us:.0f} µs "
              f"→ gate work {gate_us - redis_us:.0f} µs")
    await redis.aclose()
    engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
