"""Supervised child processes: start in their own process group, stop with terminate-then-kill.

Every service the dev stack or the test harness starts (MariaDB, Redis, the Temporal dev server, the store
simulator, ``bridge api``/``bridge worker``) runs through :class:`ManagedProcess` so that stopping is uniform
and nothing is left behind:

* each child is the leader of a new session/process group (``start_new_session=True``), so a Ctrl-C in the
  terminal reaches only the supervisor, which then stops the children in a known order;
* :meth:`ManagedProcess.stop` sends SIGTERM to the whole group, waits, then SIGKILLs the group;
* on Linux the child also asks the kernel to SIGTERM it if its supervisor dies without cleaning up
  (``PR_SET_PDEATHSIG``), so even a ``kill -9`` of the supervisor does not leak servers.

Hand-written rather than taken from a library: the pieces (process groups, death signal, log file) are a few
lines of standard library each, and a supervisor library (supervisord, honcho) would add a daemon or a
Procfile format without helping tests start and stop services in-process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


class DevStackError(RuntimeError):
    """A local development or test service could not be provided. The message says what to do."""


class MissingDependency(DevStackError):
    """A binary the dev stack needs is not installed."""


class ServiceStartFailed(DevStackError):
    """A service process exited or did not become ready in time."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (the OS picks it by binding port 0).

    There is an unavoidable race between closing this socket and the service binding the port; services
    started on it fail fast (their readiness check sees the process exit) rather than hang.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def parent_death_signal_setter() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGTERM the child when its parent dies (None elsewhere).

    libc is loaded here, in the parent, so the child only makes one system call between fork and exec.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return None
    prctl = ctypes.CDLL(libc_name, use_errno=True).prctl
    pr_set_pdeathsig = 1

    def set_parent_death_signal() -> None:
        prctl(pr_set_pdeathsig, int(signal.SIGTERM))

    return set_parent_death_signal


class ManagedProcess:
    """One child process in its own process group, with its output in a log file."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        stop_timeout: float = 10.0,
    ) -> None:
        self.name = name
        self.argv = [str(arg) for arg in argv]
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.stop_timeout = stop_timeout
        self._popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    def start(self) -> ManagedProcess:
        if self.running():
            return self
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed below
        else:
            log = subprocess.DEVNULL  # type: ignore[assignment]
        try:
            self._popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
                preexec_fn=parent_death_signal_setter(),
            )
        except FileNotFoundError as exc:
            raise MissingDependency(f"{self.name}: cannot run {self.argv[0]!r}: {exc.strerror}") from None
        finally:
            if log is not subprocess.DEVNULL:
                log.close()
        return self

    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._popen.poll() if self._popen else None

    def log_tail(self, lines: int = 20) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the process to exit; its exit code (``subprocess.TimeoutExpired`` after ``timeout``)."""
        assert self._popen is not None, f"{self.name} was not started"
        return self._popen.wait(timeout=timeout)

    def wait_ready(self, probe: Callable[[], bool], *, timeout: float, what: str = "ready",
                   interval: float = 0.05) -> None:
        """Poll ``probe`` until it returns True; fail early if the process exits."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.running():
                raise ServiceStartFailed(
                    f"{self.name} exited with code {self.returncode} before it was {what}; "
                    f"log {self.log_path}:\n{self.log_tail()}"
                )
            try:
                if probe():
                    return
            except Exception:  # a probe that cannot connect yet is "not ready", not an error
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise ServiceStartFailed(
                    f"{self.name} was not {what} after {timeout:.0f}s; log {self.log_path}:\n{self.log_tail()}"
                )
            time.sleep(interval)

    def stop(self, timeout: float | None = None) -> None:
        """SIGTERM the process group, wait up to ``timeout`` seconds, then SIGKILL it. Idempotent."""
        popen = self._popen
        if popen is None:
            return
        timeout = self.stop_timeout if timeout is None else timeout
        pgid = popen.pid  # the child is its group's leader (start_new_session)
        self._signal_group(pgid, signal.SIGTERM)
        try:
            popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        # The leader may be gone while helpers it forked remain in the group: kill whatever is left.
        self._signal_group(pgid, signal.SIGKILL)
        try:
            popen.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not ignorable
            pass
        self._popen = None

    @staticmethod
    def _signal_group(pgid: int, sig: signal.Signals) -> None:
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def __repr__(self) -> str:
        return f"ManagedProcess({self.name!r}, pid={self.pid})"
