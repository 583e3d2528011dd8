"""Fixtures of the write-pipeline and read tests (tests/jobs, tests/products, tests/orders).

The real API (uvicorn on a free port) wired to the session's MySQL, Redis, Temporal dev server and store
simulator, on a task queue of its own so no other suite's worker picks these jobs up; signed clients created in
the real registry; a Temporal client to look at the workflows the API started.

Imported by each area's ``conftest.py`` (``from tests.support.pipeline_fixtures import *``).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from temporalio.client import Client

from bridge.clients import ClientRegistry, CreatedClient, SecretCipher
from bridge.db.engine import create_db_engine, migrate
from bridge.devstack.databases import create_database, drop_database, with_database
from bridge.jobs.repository import JobRecord, JobRepository
from bridge.settings import Settings
from bridge.store_simulator import SimulatorAdmin
from tests.support.api_server import ThreadedApiServer
from tests.support.signed_client import SignedClient

NewClient = Callable[..., Awaitable[tuple[SignedClient, CreatedClient]]]

GENEROUS_LIMITS = {"reads_per_minute": 10_000, "writes_per_minute": 10_000}


@pytest.fixture(scope="session")
def pipeline_database(mysql_server_url: str, session_id: str) -> Iterator[str]:
    """A database of this suite's own. Every API process runs a dispatcher that starts *any* job row without a
    workflow on *its* task queue; sharing the session database would let these API servers start other suites'
    hand-inserted jobs (and theirs start ours)."""
    url = with_database(mysql_server_url, f"bridge_test_{session_id}_pipeline")
    create_database(url)
    migrate(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def pipeline_settings(bridge_settings: Settings, pipeline_database: str) -> Settings:
    """The session settings with a database and a task queue of this suite's own, and a brisk dispatcher."""
    return bridge_settings.replace(
        mysql_url=pipeline_database,
        temporal_task_queue=f"{bridge_settings.temporal_task_queue}-pipeline",
        dispatcher_interval_seconds=0.2,
    )


@pytest.fixture(scope="session")
def pipeline_api(pipeline_settings: Settings) -> Iterator[ThreadedApiServer]:
    server = ThreadedApiServer(pipeline_settings).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pipeline_engine(pipeline_settings: Settings) -> Iterator[Engine]:
    engine = create_db_engine(pipeline_settings.mysql_url, pool_size=4)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pipeline_registry(pipeline_settings: Settings, pipeline_engine: Engine) -> ClientRegistry:
    return ClientRegistry(pipeline_engine, SecretCipher(pipeline_settings.secrets_encryption_key))


@pytest.fixture(scope="session")
def job_repository(pipeline_engine: Engine) -> JobRepository:
    return JobRepository(pipeline_engine)


@pytest.fixture(scope="session")
async def temporal_client(temporal_address: str) -> Client:
    return await Client.connect(temporal_address)


@pytest.fixture
def store_admin(store: Any) -> Iterator[SimulatorAdmin]:
    admin = SimulatorAdmin(store.admin_url)
    yield admin
    admin.clear_faults()
    admin.close()


async def new_client_factory(registry: ClientRegistry, base_url: str) -> AsyncIterator[NewClient]:
    """Yields a maker of signed clients against ``base_url``; closes them afterwards (``async for make in ...``)."""
    opened: list[SignedClient] = []

    async def make(*, base: str | None = None, **create: Any) -> tuple[SignedClient, CreatedClient]:
        create.setdefault("name", "pipeline test client")
        for key, value in GENEROUS_LIMITS.items():
            create.setdefault(key, value)
        created = registry.create(**create)
        client = await SignedClient.create(base or base_url, created.client_id, created.client_secret,
                                           created.hmac_secret)
        opened.append(client)
        return client, created

    yield make
    for client in opened:
        await client.aclose()


@pytest.fixture
async def new_client(pipeline_registry: ClientRegistry, pipeline_api: ThreadedApiServer) -> AsyncIterator[NewClient]:
    """``await new_client()`` → (SignedClient, CreatedClient) against the pipeline API (generous rate limits)."""
    async for make in new_client_factory(pipeline_registry, pipeline_api.base_url):
        yield make


@pytest.fixture
async def client(new_client: NewClient) -> SignedClient:
    signed, _ = await new_client()
    return signed


def request_id() -> str:
    return str(uuid.uuid4())


async def wait_until(predicate: Callable[[], Awaitable[Any]], *, timeout: float = 30.0,
                     interval: float = 0.1, what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


async def job_row(repository: JobRepository, job_id: str) -> JobRecord:
    record = await asyncio.to_thread(repository.get, job_id)
    assert record is not None
    return record
