"""Two API processes sharing one Redis never admit more than a client's limit in a window (contract §4)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest

from bridge.clients import ClientRegistry
from bridge.settings import Settings
from tests.auth.probe_routes import PROBE
from tests.support.api_server import ApiProcess
from tests.support.signed_client import SignedClient

pytestmark = pytest.mark.slow


@pytest.fixture
def two_replicas(api_settings: Settings) -> Iterator[list[ApiProcess]]:
    replicas = [ApiProcess(api_settings, configure="tests.auth.probe_routes:register_probe_routes")
                for _ in range(2)]
    try:
        for replica in replicas:
            replica.wait_ready()
        yield replicas
    finally:
        for replica in replicas:
            replica.stop()


async def test_two_replicas_never_admit_more_than_the_limit(two_replicas: list[ApiProcess],
                                                            registry: ClientRegistry) -> None:
    limit = 15
    created = registry.create(name="replicas", reads_per_minute=limit, writes_per_minute=5)
    clients = [await SignedClient.create(replica.base_url, created.client_id, created.client_secret,
                                         created.hmac_secret) for replica in two_replicas]
    try:
        # 60 concurrent reads, alternating between the replicas, all inside one window.
        responses = await asyncio.gather(*(clients[i % 2].get(PROBE) for i in range(60)))
        statuses = Counter(r.status_code for r in responses)
        assert statuses == {200: limit, 429: 60 - limit}, statuses
        assert all(r.headers["retry-after"] for r in responses if r.status_code == 429)
        # Writes, counted separately, follow the same rule.
        writes = await asyncio.gather(*(clients[i % 2].post(PROBE, json={"i": i}) for i in range(20)))
        assert Counter(r.status_code for r in writes) == {200: 5, 429: 15}
    finally:
        for client in clients:
            await client.aclose()
