"""Private Redis and MariaDB restart on the same port and folder (what fault-injection tests rely on)."""

from __future__ import annotations

from pathlib import Path

import pymysql
import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from bridge.devstack import PrivateMariaDB, PrivateRedis


def test_private_redis_restarts_on_the_same_port_without_data(private_redis: PrivateRedis) -> None:
    client = Redis.from_url(private_redis.url, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.set("survives", "no")
        port, old_pid = private_redis.port, private_redis.pid

        private_redis.stop()
        with pytest.raises(RedisConnectionError):
            client.ping()

        private_redis.restart()
        assert private_redis.port == port and private_redis.pid != old_pid
        assert client.ping()  # the same client reconnects by itself
        assert client.get("survives") is None  # no persistence: a restart is a clean cache
    finally:
        client.close()


def test_private_mariadb_keeps_its_data_across_a_restart(private_mariadb: PrivateMariaDB) -> None:
    def connect() -> pymysql.Connection:
        return pymysql.connect(host="127.0.0.1", port=private_mariadb.port, user="root", autocommit=True)

    conn = connect()
    with conn.cursor() as cursor:
        cursor.execute("CREATE DATABASE probe")
        cursor.execute("CREATE TABLE probe.t (v INT)")
        cursor.execute("INSERT INTO probe.t VALUES (42)")
    conn.close()

    port = private_mariadb.port
    private_mariadb.restart()
    assert private_mariadb.port == port

    conn = connect()
    with conn.cursor() as cursor:
        cursor.execute("SELECT v FROM probe.t")
        assert cursor.fetchone() == (42,)
    conn.close()


def test_close_removes_a_temporary_folder_but_never_a_given_one(tmp_path: Path) -> None:
    owned = PrivateRedis().start()
    owned_dir = owned.base_dir
    owned.close()
    assert not owned_dir.exists()

    given = PrivateRedis(base_dir=tmp_path / "redis").start()
    given.close()
    assert (tmp_path / "redis").exists()
