"""Fixtures of the security tests: the real API on a free port, a client registry on the session database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher

from bridge.clients import ClientRegistry, CreatedClient, SecretCipher
from bridge.db.engine import create_db_engine
from bridge.settings import Settings
from tests.auth.probe_routes import register_probe_routes
from tests.support.api_server import ThreadedApiServer
from tests.support.signed_client import SignedClient


@pytest.fixture(scope="session")
def api_settings(bridge_settings: Settings) -> Settings:
    # A short client cache so "disable a client" takes effect quickly in tests. No dispatcher: this server
    # shares the session database with suites that insert job rows and start their workflows themselves.
    return bridge_settings.replace(client_cache_seconds=0.3, dispatcher_interval_seconds=0)


@pytest.fixture(scope="session")
def api_server(api_settings: Settings) -> Iterator[ThreadedApiServer]:
    server = ThreadedApiServer(api_settings, configure=register_probe_routes).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def base_url(api_server: ThreadedApiServer) -> str:
    return api_server.base_url


@pytest.fixture(scope="session")
def registry(api_settings: Settings) -> Iterator[ClientRegistry]:
    engine = create_db_engine(api_settings.mysql_url, pool_size=2)
    # Cheap argon2 parameters keep client creation fast in tests; verification reads the parameters from the
    # stored hash, so the API verifies these secrets with the same (real) code path.
    hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    yield ClientRegistry(engine, SecretCipher(api_settings.secrets_encryption_key), hasher=hasher)
    engine.dispose()


NewSignedClient = Callable[..., Awaitable[tuple[SignedClient, CreatedClient]]]


@pytest.fixture
async def new_signed_client(registry: ClientRegistry, base_url: str) -> AsyncIterator[NewSignedClient]:
    """``await new_signed_client(scopes=..., reads_per_minute=...)`` → (SignedClient, CreatedClient)."""
    opened: list[SignedClient] = []

    async def make(*, scope: str | None = None, **create: Any) -> tuple[SignedClient, CreatedClient]:
        create.setdefault("name", "test client")
        created = registry.create(**create)
        client = await SignedClient.create(base_url, created.client_id, created.client_secret,
                                           created.hmac_secret, scope=scope)
        opened.append(client)
        return client, created

    yield make
    for client in opened:
        await client.aclose()
