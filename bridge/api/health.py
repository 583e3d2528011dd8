"""Liveness, readiness and metrics endpoints (no authentication).

- ``GET /healthz``: the process answers. Nothing else is checked: a liveness probe must not restart an API
  because a dependency is down.
- ``GET /readyz``: each dependency separately — MySQL, Redis, Temporal, PrestaShop — checked concurrently
  with a short timeout. 200 when all are up; 503 otherwise, with ``status`` ``degraded`` when the API still
  answers part of its contract (Redis or Temporal or the store down: polling and some reads keep working)
  and ``unavailable`` when MySQL, the source of truth, is down.
- ``GET /metrics``: Prometheus text (Litestar's request metrics and the bridge's own).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
from litestar import Controller, MediaType, Response, get
from prometheus_client import REGISTRY, generate_latest
from sqlalchemy import text

from bridge.api.resources import ApiResources, InjectedResources

CHECK_TIMEOUT_SECONDS = 2.0


async def _check(name: str, probe: Callable[[], Awaitable[Any]]) -> tuple[str, dict[str, Any]]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(probe(), CHECK_TIMEOUT_SECONDS)
        status: dict[str, Any] = {"status": "up"}
    except Exception as exc:  # a readiness probe reports any failure, it never raises
        status = {"status": "down", "error": exc.__class__.__name__}
    status["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return name, status


def _probes(resources: ApiResources) -> dict[str, Callable[[], Awaitable[Any]]]:
    def select_one() -> None:
        with resources.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    async def mysql() -> None:
        await anyio.to_thread.run_sync(select_one)

    async def redis() -> None:
        await resources.redis.ping()

    async def temporal() -> None:
        await resources.temporal.check_health()

    async def prestashop() -> None:
        await resources.gateway.check_health()

    return {"mysql": mysql, "redis": redis, "temporal": temporal, "prestashop": prestashop}


async def readiness_report(resources: ApiResources) -> tuple[int, dict[str, Any]]:
    results = dict(await asyncio.gather(*(_check(n, p) for n, p in _probes(resources).items())))
    down = {name for name, result in results.items() if result["status"] != "up"}
    if not down:
        overall, status_code = "ready", 200
    elif "mysql" in down:
        overall, status_code = "unavailable", 503
    else:
        overall, status_code = "degraded", 503
    return status_code, {"status": overall, "dependencies": results}


class HealthController(Controller):
    include_in_schema = True
    tags = ["operations"]

    @get("/healthz", summary="Liveness", sync_to_thread=False)
    def healthz(self) -> dict[str, str]:
        return {"status": "alive"}

    @get("/readyz", summary="Readiness, per dependency")
    async def readyz(self, resources: InjectedResources) -> Response[dict[str, Any]]:
        status_code, body = await readiness_report(resources)
        return Response(body, status_code=status_code, headers={"Cache-Control": "no-store"})

    @get("/metrics", summary="Prometheus metrics", media_type=MediaType.TEXT, include_in_schema=False)
    async def metrics(self, resources: InjectedResources) -> Response[bytes]:
        if not resources.settings.metrics_enabled:
            from bridge.errors import NotFound

            raise NotFound("metrics are disabled (BRIDGE_METRICS_ENABLED=false)")
        body = generate_latest(REGISTRY) + generate_latest(resources.metrics.registry)
        return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")
