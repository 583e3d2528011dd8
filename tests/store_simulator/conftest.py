"""Fixtures for the simulator's own tests: raw HTTP against a simulator on real sockets.

``target`` runs a read-only quirk test against the simulator and, when PRESTASHOP_URL/PRESTASHOP_KEY are set,
against that real store too, which is how the simulator's faithfulness is checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from bridge.store_simulator import SimulatorAdmin, SimulatorServer
from bridge.store_simulator.testing import REAL_STORE_SKIP_REASON, real_store_from_env


@dataclass
class Target:
    kind: str
    base_url: str
    api_key: str

    def client(self, *, key: str | None = None, auth: bool = True) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, auth=(key or self.api_key, "") if auth else None, timeout=10.0)


@pytest.fixture(scope="session")
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer() as server:
        yield server


@pytest.fixture(scope="session")
def _admin_client(simulator: SimulatorServer) -> Iterator[SimulatorAdmin]:
    admin = SimulatorAdmin(simulator.admin_url)
    yield admin
    admin.close()


@pytest.fixture
def admin(_admin_client: SimulatorAdmin) -> SimulatorAdmin:
    _admin_client.reset()
    return _admin_client


@pytest.fixture
def sim(simulator: SimulatorServer, admin: SimulatorAdmin) -> Iterator[httpx.Client]:
    """A raw client of the (freshly reset) simulator, authenticated with its key."""
    with httpx.Client(base_url=simulator.base_url, auth=(simulator.api_key, ""), timeout=10.0) as client:
        yield client


@pytest.fixture(params=["simulator", "real"])
def target(request: pytest.FixtureRequest) -> Target:
    if request.param == "real":
        real = real_store_from_env()
        if real is None:
            pytest.skip(REAL_STORE_SKIP_REASON)
        return Target("real", real[0], real[1])
    simulator: SimulatorServer = request.getfixturevalue("simulator")
    request.getfixturevalue("admin")
    return Target("simulator", simulator.base_url, simulator.api_key)
