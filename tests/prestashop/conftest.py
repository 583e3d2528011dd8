"""Fixtures of the gateway's contract suite: every test taking ``store`` runs against the simulator and, when
PRESTASHOP_URL and PRESTASHOP_KEY are set, against that real store too (skipped otherwise, with the reason)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from bridge.prestashop import PrestaShopGateway
from bridge.store_simulator import SimulatorAdmin, SimulatorServer
from bridge.store_simulator.testing import REAL_STORE_SKIP_REASON, real_store_from_env


@dataclass
class Store:
    kind: str  # "simulator" or "real"
    base_url: str
    api_key: str
    admin: SimulatorAdmin | None  # None on a real store

    def require_admin(self) -> SimulatorAdmin:
        """The simulator's admin client, or skip: a real store has no fault injection nor inspection."""
        if self.admin is None:
            pytest.skip("needs the simulator's /__simulator__ endpoints (fault injection, inspection); "
                        "a real store has none")
        return self.admin

    def gateway(self, **kwargs: object) -> PrestaShopGateway:
        options: dict[str, object] = {"backoff_base": 0.01, "backoff_max": 0.05, "read_timeout": 5.0}
        options.update(kwargs)
        return PrestaShopGateway(self.base_url, str(options.pop("api_key", self.api_key)), **options)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer() as server:
        yield server


@pytest.fixture(scope="session")
def simulator_admin(simulator: SimulatorServer) -> Iterator[SimulatorAdmin]:
    admin = SimulatorAdmin(simulator.admin_url)
    yield admin
    admin.close()


@pytest.fixture(params=["simulator", "real"])
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "real":
        real = real_store_from_env()
        if real is None:
            pytest.skip(REAL_STORE_SKIP_REASON)
        return Store("real", real[0], real[1], None)
    simulator: SimulatorServer = request.getfixturevalue("simulator")
    admin: SimulatorAdmin = request.getfixturevalue("simulator_admin")
    admin.reset()
    return Store("simulator", simulator.base_url, simulator.api_key, admin)


@pytest.fixture
async def gateway(store: Store) -> AsyncIterator[PrestaShopGateway]:
    gw = store.gateway()
    yield gw
    await gw.aclose()
