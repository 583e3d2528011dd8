"""The app factory: ``create_app(settings)`` builds the Litestar application.

Route handlers live with their domain (``bridge/<domain>/endpoints.py``); this module only assembles them,
installs the security gate, the problem+json mapping and the lifespan that opens :class:`ApiResources`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import Scope
from redis.asyncio import Redis

from bridge.api.capabilities import CapabilitiesController
from bridge.api.health import HealthController
from bridge.api.problems import EXCEPTION_HANDLERS
from bridge.api.resources import ApiResources
from bridge.auth.endpoints import OAuthController
from bridge.auth.gate import Gate, SecurityGateMiddleware
from bridge.auth.services import AuthServices
from bridge.db.engine import create_checked_engine
from bridge.jobs.acceptance import AcceptService
from bridge.jobs.dispatcher import JobDispatcher, dispatcher_running
from bridge.jobs.endpoints import JobsController
from bridge.jobs.idempotency import IdempotencyStore
from bridge.jobs.repository import JobRepository
from bridge.observability import BridgeMetrics, MeasuredTransport
from bridge.orders.endpoints import OrdersController
from bridge.orders.states import OrderStateCache
from bridge.products.endpoints import ProductsController
from bridge.settings import Settings
from bridge.temporal import TemporalConnector


@asynccontextmanager
async def open_resources(settings: Settings) -> AsyncIterator[ApiResources]:
    """Open every long-lived resource of an API process; close them all on exit."""
    from bridge.prestashop import PrestaShopGateway

    engine = create_checked_engine(settings.mysql_url, pool_size=settings.mysql_pool_size)
    redis = Redis.from_url(settings.redis_url, socket_timeout=1.0, socket_connect_timeout=1.0)
    metrics = BridgeMetrics()
    # The measured transport replaces httpx's default one, so it carries the gateway's connection limits itself.
    store_transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=20, max_keepalive_connections=20))
    gateway = PrestaShopGateway.from_settings(settings, transport=MeasuredTransport(metrics, store_transport))
    auth = AuthServices.build(settings, engine=engine, redis=redis)
    jobs = JobRepository(engine)
    temporal = TemporalConnector(settings.temporal_address, settings.temporal_namespace)
    order_states = OrderStateCache(gateway)
    dispatcher = JobDispatcher(temporal, jobs, task_queue=settings.temporal_task_queue,
                               interval_seconds=settings.dispatcher_interval_seconds, metrics=metrics)
    accept = AcceptService(
        jobs=jobs,
        idempotency=IdempotencyStore(engine, redis, ttl_seconds=settings.idempotency_ttl_seconds),
        gateway=gateway,
        order_states=order_states,
        dispatcher=dispatcher,
        metrics=metrics,
    )
    resources = ApiResources(
        settings=settings,
        engine=engine,
        redis=redis,
        jobs=jobs,
        gateway=gateway,
        metrics=metrics,
        auth=auth,
        temporal=temporal,
        order_states=order_states,
        dispatcher=dispatcher,
        accept=accept,
    )
    try:
        yield resources
    finally:
        await gateway.aclose()
        await redis.aclose()
        engine.dispose()


def provide_resources(state: State) -> ApiResources:
    resources = state.resources
    assert isinstance(resources, ApiResources)
    return resources


def gate_of(scope: Scope) -> Gate:
    """The security gate of this process (built by the lifespan with the other resources)."""
    gate: Gate = scope["litestar_app"].state.resources.auth.gate
    return gate


def openapi_config() -> OpenAPIConfig:
    """The generated document at ``/schema/openapi.json``, with both security schemes of the contract."""
    return OpenAPIConfig(
        title="PrestaShop Bridge",
        version="1.0.0",
        description=(
            "Signed, asynchronous operations on a PrestaShop 9 store. Every /v1 call carries a Bearer JWT "
            "(RS256, from POST /oauth/token) and the headers X-Request-ID (UUID v4), X-Timestamp (unix seconds) "
            "and X-Signature (hex HMAC-SHA256 of METHOD\\nURI\\nTIMESTAMP\\nREQUEST_ID\\nBODY_SHA256). "
            "A 202 means accepted, never done: poll the job."
        ),
        path="/schema",
        components=Components(
            security_schemes={
                "oauth2": SecurityScheme(
                    type="oauth2",
                    description="OAuth2 client credentials; the token is an RS256 JWT.",
                    flows={"clientCredentials": {"tokenUrl": "/oauth/token",  # type: ignore[dict-item]
                                                 "scopes": {"bridge:read": "reads and job polling",
                                                            "bridge:write": "write jobs"}}},
                ),
                "hmacSignature": SecurityScheme(
                    type="apiKey",
                    name="X-Signature",
                    security_scheme_in="header",
                    description="Hex HMAC-SHA256 over the canonical request string with the client's HMAC secret.",
                ),
            }
        ),
    )


def create_app(settings: Settings) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with open_resources(settings) as resources, dispatcher_running(resources.dispatcher):
            app.state.resources = resources
            yield

    prometheus = PrometheusConfig(app_name="prestashop_bridge", prefix="bridge", group_path=True,
                                  exclude=["/metrics"])
    return Litestar(
        route_handlers=[HealthController, OAuthController, CapabilitiesController, JobsController, ProductsController,
                        OrdersController],
        dependencies={"resources": Provide(provide_resources, sync_to_thread=False)},
        middleware=[prometheus.middleware, SecurityGateMiddleware(gate_of)],
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        compression_config=CompressionConfig(backend="gzip", minimum_size=settings.gzip_response_min_bytes),
        # The gate enforces the contract's ceiling on the wire and after inflation; Litestar's own default
        # (10 MB, decimal) would refuse decoded bodies between 10,000,000 and 10,485,760 bytes.
        request_max_body_size=settings.max_body_bytes,
        openapi_config=openapi_config(),
        # Logging is configured once by the CLI (bridge.observability.configure_logging: JSON lines); Litestar's
        # default config would replace that handler with its own plain-text one.
        logging_config=None,
    )
