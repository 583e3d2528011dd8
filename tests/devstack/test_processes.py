"""ManagedProcess stops whole process groups, escalates to SIGKILL, and reports early exits."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from bridge.devstack.binaries import require_binary
from bridge.devstack.processes import ManagedProcess, MissingDependency, ServiceStartFailed, free_port, port_is_open


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has exited even if nobody reaped it yet.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def wait_for_file(path: Path, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.02)
    raise AssertionError(f"{path} was not written")


def test_stop_kills_the_whole_process_group_including_grandchildren(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    process = ManagedProcess("shell", ["bash", "-c", f"sleep 300 & echo $! > {pid_file}; wait"],
                             log_path=tmp_path / "shell.log").start()
    grandchild = int(wait_for_file(pid_file))
    assert process.pid is not None and pid_alive(process.pid) and pid_alive(grandchild)
    assert os.getpgid(grandchild) == process.pid  # the child leads its own group

    leader = process.pid
    process.stop(timeout=5)

    assert not pid_alive(leader)
    deadline = time.monotonic() + 5
    while pid_alive(grandchild) and time.monotonic() < deadline:  # reaped by init, asynchronously
        time.sleep(0.02)
    assert not pid_alive(grandchild)


def test_stop_escalates_to_sigkill_when_sigterm_is_ignored(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    process = ManagedProcess("stubborn", ["bash", "-c", f"trap '' TERM; echo up > {ready}; while true; do sleep 0.1; done"],
                             stop_timeout=0.5).start()
    wait_for_file(ready)
    leader = process.pid
    assert leader is not None
    process.stop()
    assert not pid_alive(leader)
    assert not process.running()


def test_wait_ready_reports_a_process_that_exits_early(tmp_path: Path) -> None:
    process = ManagedProcess("failing", [sys.executable, "-c", "print('boom'); raise SystemExit(3)"],
                             log_path=tmp_path / "failing.log").start()
    with pytest.raises(ServiceStartFailed, match="exited with code 3") as caught:
        process.wait_ready(lambda: False, timeout=10)
    assert "boom" in str(caught.value)


def test_a_missing_binary_says_what_to_install() -> None:
    with pytest.raises(MissingDependency, match="not found"):
        require_binary("bridge-no-such-binary")
    with pytest.raises(MissingDependency, match="cannot run"):
        ManagedProcess("ghost", ["/nonexistent/ghost-binary"]).start()


def test_free_port_is_bindable() -> None:
    port = free_port()
    assert 0 < port < 65536
    assert not port_is_open("127.0.0.1", port)
