"""The security gate every ``/v1`` request passes (CONTRACT.md §3 and §4).

Other areas need only two names from here:

* :class:`AuthenticatedClient` — who is calling. The gate (:mod:`bridge.auth.gate`) stores it in
  ``scope["state"]["client"]`` after every check passed, and replaces the request body with the decompressed
  bytes, so handlers read JSON normally with ``await request.body()``.
* :func:`provide_client` — a Litestar dependency returning that caller::

      dependencies={"client": Provide(provide_client, sync_to_thread=False)}

      async def handler(..., client: NamedDependency[AuthenticatedClient]) -> ...
  (``litestar.di.NamedDependency`` avoids Litestar 2.23+'s "inferred dependency" deprecation warning.)
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.di import NamedDependency
from litestar.params import SkipValidation

from bridge.errors import Unauthorized

SCOPE_READ = "bridge:read"
SCOPE_WRITE = "bridge:write"
ALL_SCOPES = frozenset({SCOPE_READ, SCOPE_WRITE})

CLIENT_STATE_KEY = "client"
"""Key under ``scope["state"]`` where the gate stores the :class:`AuthenticatedClient`."""


class AuthenticatedClient(msgspec.Struct, frozen=True):
    """The caller of one ``/v1`` request, after token, signature, window and rate limit all passed."""

    client_id: str
    scopes: frozenset[str]
    request_id: str
    """The request's validated ``X-Request-ID`` (a UUID v4)."""


def provide_client(request: Request[Any, Any, Any]) -> AuthenticatedClient:
    """Litestar dependency: the caller the gate authenticated.

    Raises :class:`~bridge.errors.Unauthorized` if the gate did not run for this route (a handler outside
    ``/v1`` asking for a client is a programming error, but it must still fail closed).
    """
    client = request.scope.get("state", {}).get(CLIENT_STATE_KEY)
    if not isinstance(client, AuthenticatedClient):
        raise Unauthorized("this route requires an authenticated client")
    return client


InjectedClient = NamedDependency[SkipValidation[AuthenticatedClient]]
"""How handlers ask for the caller (with ``dependencies={"client": Provide(provide_client, sync_to_thread=False)}``)."""


__all__ = [
    "ALL_SCOPES",
    "CLIENT_STATE_KEY",
    "SCOPE_READ",
    "SCOPE_WRITE",
    "AuthenticatedClient",
    "InjectedClient",
    "provide_client",
]
