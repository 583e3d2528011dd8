"""A faithful PrestaShop 9 webservice simulator for tests and local development (``bridge dev``).

>>> with SimulatorServer() as store:            # doctest: +SKIP
...     gateway = PrestaShopGateway(store.base_url, store.api_key)

See docs/prestashop.md for the quirks it reproduces and its ``/__simulator__`` admin endpoints.
"""

from bridge.store_simulator.app import (
    ADMIN_PREFIX,
    DEFAULT_API_KEY,
    ASGIApp,
    Faults,
    SimulatorApp,
    create_simulator_app,
)
from bridge.store_simulator.server import SimulatorServer
from bridge.store_simulator.testing import SimulatorAdmin

__all__ = [
    "ADMIN_PREFIX",
    "ASGIApp",
    "DEFAULT_API_KEY",
    "Faults",
    "SimulatorAdmin",
    "SimulatorApp",
    "SimulatorServer",
    "create_simulator_app",
]
