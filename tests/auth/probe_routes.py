"""Test-only ``/v1/_probe`` routes, registered on the real app in the security tests.

They sit behind the gate like every ``/v1`` route and echo what the gate handed over (the caller from
``provide_client`` and the decoded body), so the gate can be tested independently of the business controllers.
"""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Litestar, Request, get, post
from litestar.di import NamedDependency, Provide

from bridge.auth import AuthenticatedClient, provide_client

PROBE = "/v1/_probe"
CLIENT_DEPENDENCY = {"client": Provide(provide_client, sync_to_thread=False)}


def _echo(request: Request[Any, Any, Any], client: AuthenticatedClient, body: bytes = b"") -> dict[str, Any]:
    return {
        "client_id": client.client_id,
        "scopes": sorted(client.scopes),
        "request_id": client.request_id,
        "raw_path": (request.scope.get("raw_path") or b"").decode("latin-1"),
        "query_string": request.scope.get("query_string", b"").decode("latin-1"),
        "body_length": len(body),
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "content_encoding": request.headers.get("content-encoding"),
        "content_length": request.headers.get("content-length"),
    }


@get(PROBE, dependencies=CLIENT_DEPENDENCY)
async def probe_read(request: Request[Any, Any, Any], client: NamedDependency[AuthenticatedClient]) -> dict[str, Any]:
    return _echo(request, client)


@post(PROBE, status_code=200, dependencies=CLIENT_DEPENDENCY)
async def probe_write(request: Request[Any, Any, Any], client: NamedDependency[AuthenticatedClient]) -> dict[str, Any]:
    return _echo(request, client, await request.body())


@get(PROBE + "/large", dependencies=CLIENT_DEPENDENCY)
async def probe_large(client: NamedDependency[AuthenticatedClient]) -> dict[str, Any]:
    return {"client_id": client.client_id, "padding": "x" * 4096}


@get(PROBE + "/boom", dependencies=CLIENT_DEPENDENCY)
async def probe_boom(client: NamedDependency[AuthenticatedClient]) -> dict[str, Any]:
    raise RuntimeError("boom: password=hunter2 in an internal message that must never reach the caller")


@get("/probe-outside-v1")
async def probe_outside(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Outside /v1: asking for the client here must fail closed (401), the gate did not run."""
    return {"client": provide_client(request).client_id}


def register_probe_routes(app: Litestar) -> None:
    for handler in (probe_read, probe_write, probe_large, probe_boom, probe_outside):
        app.register(handler)
