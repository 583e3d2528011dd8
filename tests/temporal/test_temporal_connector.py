"""The lazily connecting Temporal connector: unreachable is a fast, typed failure; reachable is one cached client."""

from __future__ import annotations

import time

import pytest

from bridge.devstack import TemporalDevServer, free_port
from bridge.temporal import TemporalConnector, TemporalUnavailable


async def test_unreachable_temporal_is_a_typed_failure_every_time() -> None:
    connector = TemporalConnector(f"127.0.0.1:{free_port()}", connect_timeout=2.0)
    for _ in range(2):
        with pytest.raises(TemporalUnavailable):
            await connector.client()
        with pytest.raises(TemporalUnavailable):
            await connector.check_health()
    assert not connector.connected


async def test_connects_once_and_reuses_the_client(temporal_address: str) -> None:
    connector = TemporalConnector(temporal_address)
    first = await connector.client()
    assert await connector.client() is first
    await connector.check_health()
    connector.forget()
    assert await connector.client() is not first


@pytest.mark.slow
async def test_a_server_that_comes_up_later_is_picked_up_without_a_restart() -> None:
    port = free_port()
    connector = TemporalConnector(f"127.0.0.1:{port}", connect_timeout=2.0)
    with pytest.raises(TemporalUnavailable):
        await connector.check_health()
    with TemporalDevServer(port=port) as server:
        await connector.check_health()
        server.stop()
        with pytest.raises(TemporalUnavailable):
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:  # the cached channel notices the server is gone
                await connector.check_health()
        server.start()
        deadline = time.monotonic() + 30
        while True:
            try:
                await connector.check_health()
                break
            except TemporalUnavailable:
                assert time.monotonic() < deadline, "the connector never reconnected"
