"""A Temporal client that connects lazily and reconnects: the API starts and accepts jobs while Temporal is down.

Why not one ``Client.connect`` in the lifespan? That would make the API refuse to start (or crash) whenever
Temporal is unreachable, while the contract (section 9) wants the opposite: an accepted job is durable in MySQL
and the dispatcher starts it as soon as Temporal answers. So the API holds a :class:`TemporalConnector` instead:

* :meth:`TemporalConnector.client` connects on first use (bounded by ``connect_timeout``) and caches the client;
  when Temporal cannot be reached it raises :class:`TemporalUnavailable` quickly, every time, without ever
  blocking a request for long;
* :meth:`TemporalConnector.forget` drops the cached client after a call failed for connection reasons, so the
  next call dials again (the SDK's channel usually recovers on its own; dropping it is the belt to those braces).

The connector holds no global state: the app's lifespan builds one from the settings and closes nothing (the
SDK client owns no resources that need an explicit close).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

log = logging.getLogger("bridge.temporal")

CONNECTION_STATUS_CODES = frozenset({RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED})


class TemporalUnavailable(Exception):
    """Temporal could not be reached (connection refused, timed out, or the call failed at transport level)."""


def is_connection_failure(error: BaseException) -> bool:
    """Did this call fail because Temporal was unreachable or too slow (as opposed to a refused request)?"""
    if isinstance(error, TemporalUnavailable | asyncio.TimeoutError | ConnectionError):
        return True
    if isinstance(error, RPCError):
        return error.status in CONNECTION_STATUS_CODES
    # The Rust core reports a failed dial as a RuntimeError("Failed client connect: ...").
    return isinstance(error, RuntimeError) and "connect" in str(error).lower()


class TemporalConnector:
    """Hands out a connected :class:`temporalio.client.Client`, dialing lazily and again after failures."""

    def __init__(self, address: str, namespace: str = "default", *, connect_timeout: float = 3.0) -> None:
        self.address = address
        self.namespace = namespace
        self.connect_timeout = connect_timeout
        self._client: Client | None = None
        self._lock = asyncio.Lock()

    @property
    def connected(self) -> bool:
        return self._client is not None

    async def client(self) -> Client:
        """The cached client, or a new connection; :class:`TemporalUnavailable` when Temporal does not answer."""
        if self._client is not None:
            return self._client
        async with self._lock:  # one dial at a time; the others reuse its outcome
            if self._client is None:
                try:
                    self._client = await asyncio.wait_for(
                        Client.connect(self.address, namespace=self.namespace), timeout=self.connect_timeout
                    )
                except Exception as exc:  # refused, timed out, TLS...: all mean "not now"
                    raise TemporalUnavailable(
                        f"Temporal at {self.address} is unreachable ({exc.__class__.__name__})"
                    ) from None
                log.info("connected to Temporal", extra={"temporal_address": self.address})
            return self._client

    def forget(self) -> None:
        """Drop the cached client after a connection failure: the next :meth:`client` call dials again."""
        self._client = None

    async def check_health(self, timeout: float = 2.0) -> None:
        """Readiness probe: returns when Temporal's frontend reports SERVING, else :class:`TemporalUnavailable`."""
        client = await self.client()
        try:
            serving = await client.service_client.check_health(timeout=timedelta(seconds=timeout))
        except Exception as exc:
            if is_connection_failure(exc):
                self.forget()
            raise TemporalUnavailable(f"Temporal at {self.address} did not answer its health check") from None
        if not serving:
            raise TemporalUnavailable(f"Temporal at {self.address} is not serving")

