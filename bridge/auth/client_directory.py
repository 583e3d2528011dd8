"""An in-process cache of client records in front of the MySQL registry.

The gate needs a client's scopes, limits, networks, active flag and decrypted HMAC secrets on every request.
Reading MySQL and decrypting Fernet tokens each time would dominate the hot path, so records (and unknown ids)
are kept for ``Settings.client_cache_seconds``: a disabled client or a rotated secret takes effect on every
replica within that time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio.to_thread

from bridge.clients.registry import ClientRecord, ClientRegistry


class ClientDirectory:
    def __init__(self, registry: ClientRegistry, *, ttl_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._registry, self._ttl, self._clock = registry, ttl_seconds, clock
        self._cache: dict[str, tuple[float, ClientRecord | None]] = {}

    async def get(self, client_id: str) -> ClientRecord | None:
        now = self._clock()
        cached = self._cache.get(client_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        # The registry is synchronous (SQLAlchemy over PyMySQL): keep the event loop free while it runs.
        record = await anyio.to_thread.run_sync(self._registry.get, client_id)
        if len(self._cache) > 10_000:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
        self._cache[client_id] = (now + self._ttl, record)
        return record

    def forget(self, client_id: str) -> None:
        self._cache.pop(client_id, None)
