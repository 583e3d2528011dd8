"""Run the real API (uvicorn + ``create_app``) for tests: in a background thread, or as a separate process.

Both bind a socket to port 0 first and hand it to uvicorn, so there is no window in which another program could
take the port.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping

import httpx
import uvicorn
from litestar import Litestar

from bridge.settings import ENV_PREFIX, Settings


def _listening_socket() -> socket.socket:
    # IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted connections (see bridge/store_simulator/server.py).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class ThreadedApiServer:
    """``create_app(settings)`` served by uvicorn on its own event loop in a daemon thread."""

    def __init__(self, settings: Settings, configure: Callable[[Litestar], None] | None = None) -> None:
        from bridge.api.app import create_app

        self.app = create_app(settings)
        if configure is not None:  # e.g. register test-only routes
            configure(self.app)
        self._sock = _listening_socket()
        self.base_url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="on"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    def start(self, timeout: float = 30.0) -> ThreadedApiServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the API server thread exited during start-up (see the log above)")
            if time.monotonic() > deadline:
                raise TimeoutError("the API server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()


def settings_environment(settings: Settings) -> dict[str, str]:
    """``BRIDGE_*`` variables that make ``Settings.from_env()`` equal ``settings`` in a child process."""
    env: dict[str, str] = {}
    for name in settings.__struct_fields__:
        value = getattr(settings, name)
        env[ENV_PREFIX + name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


_CHILD = """
import importlib, socket, sys, uvicorn
from bridge.api.app import create_app
from bridge.settings import Settings
app = create_app(Settings.from_env())
if sys.argv[2]:
    module, _, function = sys.argv[2].partition(":")
    getattr(importlib.import_module(module), function)(app)
sock = socket.socket(fileno=int(sys.argv[1]))
uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
"""
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class ApiProcess:
    """The API in a separate Python process (a real second replica), sharing MySQL and Redis with the test."""

    def __init__(self, settings: Settings, extra_env: Mapping[str, str] | None = None, *,
                 configure: str = "") -> None:
        """``configure``: ``"module:function"`` called with the app before serving (e.g. test routes)."""
        self._sock = _listening_socket()
        self.base_url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        env = {**os.environ, **settings_environment(settings), **(extra_env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(self._sock.fileno()), configure],
            env={**env, "PYTHONPATH": REPO_ROOT}, cwd=REPO_ROOT, pass_fds=[self._sock.fileno()],
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> ApiProcess:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the API process exited with {self.process.returncode}")
            try:
                if httpx.get(self.base_url + "/.well-known/jwks.json", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the API process did not become ready")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._sock.close()
