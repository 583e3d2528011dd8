"""When Redis is unreachable: reads keep working on a per-process limiter, writes get 503 ``redis_unavailable``
with ``Retry-After``, and when Redis returns the API recovers without a restart (contract §9)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest

from bridge.clients import ClientRegistry
from bridge.devstack import PrivateRedis
from bridge.settings import Settings
from tests.auth.probe_routes import PROBE, register_probe_routes
from tests.auth.problem_assertions import assert_problem
from tests.support.api_server import ThreadedApiServer
from tests.support.signed_client import SignedClient

pytestmark = pytest.mark.slow


@pytest.fixture
def outage_server(api_settings: Settings, private_redis: PrivateRedis) -> Iterator[ThreadedApiServer]:
    server = ThreadedApiServer(api_settings.replace(redis_url=private_redis.url),
                               configure=register_probe_routes).start()
    yield server
    server.stop()


async def test_redis_down_reads_degrade_writes_503_and_recovery_needs_no_restart(
        outage_server: ThreadedApiServer, private_redis: PrivateRedis, registry: ClientRegistry) -> None:
    created = registry.create(name="outage", reads_per_minute=4)
    client = await SignedClient.create(outage_server.base_url, created.client_id, created.client_secret,
                                       created.hmac_secret)
    async with client:
        assert (await client.get(PROBE)).status_code == 200
        assert (await client.post(PROBE, json={})).status_code == 200

        private_redis.stop()
        write = await client.post(PROBE, json={})
        assert_problem(write, 503, "redis_unavailable")
        assert int(write.headers["retry-after"]) >= 1
        # Reads (and so job polling) keep answering, counted by the per-process fallback limiter.
        request_id = str(uuid.uuid4())
        read = await client.get(PROBE, request_id=request_id)
        assert read.status_code == 200, read.text
        assert read.headers["ratelimit-policy"] == '"read";q=4;w=60'
        # Replay protection falls back to process memory.
        assert_problem(await client.get(PROBE, request_id=request_id), 403, "replayed_request")
        # The fallback enforces the same limit in process memory (its count started at the outage: 1 so far).
        statuses = [(await client.get(PROBE)).status_code for _ in range(5)]
        assert statuses.count(200) == 3 and statuses[-1] == 429, statuses

        private_redis.restart()
        deadline = time.monotonic() + 15
        while True:  # the circuit breaker retries Redis about a second after the last failure
            write = await client.post(PROBE, json={})
            if write.status_code == 200 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.25)
        assert write.status_code == 200, write.text
        assert write.headers["ratelimit-policy"] == '"write";q=20;w=60'
        # A read id used during the outage is still refused after Redis returned (remembered in memory).
        assert_problem(await client.get(PROBE, request_id=request_id), 403, "replayed_request")
