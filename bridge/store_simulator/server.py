"""Running the simulator over real HTTP: uvicorn behind a small TCP gate that can make the store unreachable.

Layout: uvicorn serves the ASGI app on an internal "admin" port. The store's public port is a TCP gate that
forwards bytes to uvicorn. When the ``unreachable`` fault is set, the gate stops listening and aborts its open
connections, so an HTTP client sees what it would see for a dead store: connection refused (or a reset of a pooled
connection), never an HTTP answer. The admin port stays up, so tests can switch the store back on.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from types import TracebackType

import uvicorn

from bridge.store_simulator.app import ADMIN_PREFIX, DEFAULT_API_KEY, SimulatorApp, create_simulator_app


class TcpGate:
    """Forwards every TCP connection on ``host:port`` to ``upstream_port``; can stop and restart listening."""

    def __init__(self, host: str, port: int, upstream_port: int) -> None:
        self.host = host
        self.port = port
        self.upstream_port = upstream_port
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.StreamWriter] = set()

    async def open(self, sock: socket.socket | None = None) -> None:
        if self._server is not None:
            return
        if sock is not None:
            self._server = await asyncio.start_server(self._handle, sock=sock)
        else:
            self._server = await asyncio.start_server(self._handle, self.host, self.port, reuse_address=True)

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._connections):
            # abort = reset, not a graceful FIN: a pooled keep-alive connection must not look like a clean close
            writer.transport.abort()
        self._connections.clear()
        if server is not None:
            await server.wait_closed()

    async def set_reachable(self, reachable: bool) -> None:
        if reachable:
            await self.open()
        else:
            await self.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.transport.abort()
            self._connections.discard(writer)
            return
        self._connections.add(up_writer)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    dst.close()

        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            self._connections.discard(writer)
            self._connections.discard(up_writer)


def _bind(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only when the listening
    # socket says it is TCP. With proto 0, uvicorn's separate header and body writes meet Nagle's algorithm and
    # the client's delayed ACK, and every keep-alive request after the first waits ~40 ms.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def serve(app: SimulatorApp, *, host: str, port: int, admin_port: int,
                ready: threading.Event | None = None, stop: asyncio.Event | None = None,
                bound: dict[str, int] | None = None) -> None:
    """Serve ``app``: the store on ``port`` (through the gate), uvicorn directly on ``admin_port``."""
    admin_sock = _bind(host, admin_port)
    store_sock = _bind(host, port)
    actual_admin_port = admin_sock.getsockname()[1]
    actual_port = store_sock.getsockname()[1]
    if bound is not None:
        bound.update(port=actual_port, admin_port=actual_admin_port)
    gate = TcpGate(host, actual_port, actual_admin_port)
    app.reachability_listeners.append(gate.set_reachable)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_keep_alive=75,
                            timeout_graceful_shutdown=1, access_log=False)
    server = uvicorn.Server(config)
    await gate.open(store_sock)
    serve_task = asyncio.create_task(server.serve(sockets=[admin_sock]))
    while not server.started and not serve_task.done():
        await asyncio.sleep(0.01)
    if ready is not None:
        ready.set()
    try:
        if stop is None:
            await serve_task
        else:
            stop_task = asyncio.create_task(stop.wait())
            await asyncio.wait({serve_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
            stop_task.cancel()
    finally:
        app.reachability_listeners.remove(gate.set_reachable)
        await gate.close()
        server.should_exit = True
        with contextlib.suppress(Exception):
            await serve_task
        admin_sock.close()


class SimulatorServer:
    """A simulated store on free 127.0.0.1 ports, served from a background thread. Usable as a context manager.

    ``base_url`` is the store (``{base_url}/api/...``); ``admin_url`` is ``http://127.0.0.1:{admin port}/__simulator__``
    and keeps answering while the store is made unreachable.
    """

    def __init__(self, *, db_path: str = ":memory:", api_key: str = DEFAULT_API_KEY, port: int | None = None,
                 admin_port: int | None = None, host: str = "127.0.0.1", shop_domain: str = "localhost") -> None:
        self.app = create_simulator_app(db_path=db_path, api_key=api_key, shop_domain=shop_domain)
        self.api_key = api_key
        self.host = host
        self._port = port or 0
        self._admin_port = admin_port or 0
        self._bound: dict[str, int] = {}
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._bound['port']}"

    @property
    def admin_url(self) -> str:
        return f"http://{self.host}:{self._bound['admin_port']}{ADMIN_PREFIX}"

    def start(self) -> None:
        ready = threading.Event()

        def run() -> None:
            async def main() -> None:
                self._loop = asyncio.get_running_loop()
                self._stop = asyncio.Event()
                await serve(self.app, host=self.host, port=self._port, admin_port=self._admin_port, ready=ready,
                            stop=self._stop, bound=self._bound)

            try:
                asyncio.run(main())
            except BaseException as exc:
                self._error = exc
                ready.set()

        self._thread = threading.Thread(target=run, name="store-simulator", daemon=True)
        self._thread.start()
        if not ready.wait(10) or self._error is not None:
            raise RuntimeError(f"the store simulator did not start: {self._error!r}")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)
        self._thread = None

    def __enter__(self) -> SimulatorServer:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
