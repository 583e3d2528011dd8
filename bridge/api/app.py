"""The app factory: ``create_app(settings)`` builds the Litestar application.

Route handlers live with their domain (``bridge/<domain>/endpoints.py``); this module only assembles them,
installs the security gate, the problem+json mapping and the lifespan that opens :class:`ApiResources`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from redis.asyncio import Redis

from bridge.api.problems import EXCEPTION_HANDLERS
from bridge.api.resources import ApiResources
from bridge.db.engine import create_checked_engine
from bridge.jobs.repository import JobRepository
from bridge.settings import Settings


@asynccontextmanager
async def open_resources(settings: Settings) -> AsyncIterator[ApiResources]:
    """Open every long-lived resource of an API process; close them all on exit."""
    from bridge.prestashop import PrestaShopGateway

    engine = create_checked_engine(settings.mysql_url)
    redis = Redis.from_url(settings.redis_url, socket_timeout=1.0, socket_connect_timeout=1.0)
    gateway = PrestaShopGateway(
        settings.prestashop_url,
        settings.prestashop_key,
        shop_id=settings.prestashop_shop_id,
        connect_timeout=settings.prestashop_connect_timeout_seconds,
        read_timeout=settings.prestashop_read_timeout_seconds,
    )
    resources = ApiResources(
        settings=settings, engine=engine, redis=redis, jobs=JobRepository(engine), gateway=gateway
    )
    try:
        yield resources
    finally:
        await gateway.aclose()
        await redis.aclose()
        engine.dispose()


def create_app(settings: Settings) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with open_resources(settings) as resources:
            app.state.resources = resources
            yield

    return Litestar(
        route_handlers=[],
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
    )
