"""Everything one API process holds open, built once in the app's lifespan from the settings.

Nothing connects at import time. ``create_app`` receives the settings; the lifespan opens these resources on
start-up (:func:`bridge.api.app.open_resources`) and closes them on shutdown; controllers receive what they
need through dependency injection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from litestar.di import NamedDependency
from litestar.params import SkipValidation
from redis.asyncio import Redis
from sqlalchemy import Engine

from bridge.settings import Settings

if TYPE_CHECKING:  # the owners of these areas build them in open_resources
    from bridge.auth.services import AuthServices
    from bridge.jobs.acceptance import AcceptService
    from bridge.jobs.dispatcher import JobDispatcher
    from bridge.jobs.repository import JobRepository
    from bridge.observability import BridgeMetrics
    from bridge.orders.states import OrderStateCache
    from bridge.prestashop import PrestaShopGateway
    from bridge.temporal import TemporalConnector


@dataclass
class ApiResources:
    settings: Settings
    engine: Engine
    redis: Redis
    jobs: JobRepository
    gateway: PrestaShopGateway
    metrics: BridgeMetrics
    auth: AuthServices
    """Signing keys, token issuer/verifier, client registry and cache, rate limiter, the /v1 gate."""
    temporal: TemporalConnector
    """Lazily connected Temporal client: the API starts and accepts jobs while Temporal is down."""
    order_states: OrderStateCache
    """The store's order states, cached briefly (order reads and the order-status pre-check)."""
    dispatcher: JobDispatcher
    """Starts job workflows; its background loop runs for the life of the process."""
    accept: AcceptService
    """The write pipeline: schema, idempotency, pre-check, job row, workflow start."""


InjectedResources = NamedDependency[SkipValidation[ApiResources]]
"""How handlers ask for the resources. Injected objects are not data: SkipValidation keeps Litestar (and msgspec)
from inspecting their annotations, some of which exist only for type checkers."""
