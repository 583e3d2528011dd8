"""MySQL 8 and Redis 7 from testcontainers, used by the test harness when a Docker engine answers.

The harness prefers explicit URLs from the environment, then containers, then private processes
(:mod:`bridge.devstack.services`). The Docker check is quick and never raises: no socket, no permission or a
slow engine all mean "no Docker" within ``timeout`` seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

MYSQL_IMAGE = "mysql:8.0"
REDIS_IMAGE = "redis:7"


def docker_engine_available(timeout: float = 2.0) -> bool:
    try:
        import docker

        client = docker.from_env(timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # DockerException, socket errors, missing package: all mean "no engine"
        return False


@contextmanager
def mysql_container() -> Iterator[str]:
    """A MySQL 8 container; yields a server URL (root, no database) for the PyMySQL driver."""
    try:
        from testcontainers.community.mysql import MySqlContainer  # testcontainers >= 4.14
    except ImportError:  # pragma: no cover - older layout
        from testcontainers.mysql import MySqlContainer

    password = "bridge-test"
    with MySqlContainer(MYSQL_IMAGE, dialect="pymysql", root_password=password) as container:
        host = container.get_container_host_ip()
        port = container.get_exposed_port(3306)
        yield f"mysql+pymysql://root:{password}@{host}:{port}/"


@contextmanager
def redis_container() -> Iterator[str]:
    try:
        from testcontainers.community.redis import RedisContainer
    except ImportError:  # pragma: no cover - older layout
        from testcontainers.redis import RedisContainer

    with RedisContainer(REDIS_IMAGE) as container:
        host = container.get_container_host_ip()
        port = container.get_exposed_port(6379)
        yield f"redis://{host}:{port}/0"
