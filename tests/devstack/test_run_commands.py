"""``bridge api`` and ``bridge worker`` refuse an unmigrated database; ``bridge dev`` brings the whole stack up,
answers its printed example calls, and leaves no process behind after Ctrl-C (SIGINT)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from bridge.devstack.databases import create_database, drop_database, with_database
from bridge.devstack.processes import free_port
from bridge.devstack.stack import bridge_command

READY_LINE = "PrestaShop Bridge dev stack is ready."


def run_bridge(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(bridge_command(*args), env=env, capture_output=True, text=True, timeout=timeout)


def clean_environment(**bridge_vars: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    env.update(bridge_vars)
    return env


@pytest.mark.parametrize("command", ["api", "worker"])
def test_api_and_worker_refuse_a_database_without_schema(command: str, mysql_server_url: str, session_id: str) -> None:
    url = with_database(mysql_server_url, f"bridge_unmigrated_{session_id}_{command}")
    create_database(url)  # exists, but no migration ran
    try:
        result = run_bridge(command, env=clean_environment(BRIDGE_MYSQL_URL=url))
    finally:
        drop_database(url)
    assert result.returncode == 1
    assert f"bridge {command}: refusing to start" in result.stderr
    assert "run `bridge migrate`" in result.stderr
    assert "Traceback" not in result.stderr


def test_api_refuses_a_missing_database_without_a_traceback(mysql_server_url: str, session_id: str) -> None:
    url = with_database(mysql_server_url, f"bridge_missing_{session_id}")
    result = run_bridge("api", env=clean_environment(BRIDGE_MYSQL_URL=url))
    assert result.returncode == 1
    assert "bridge migrate" in result.stderr and "Traceback" not in result.stderr


def descendants(root: int) -> set[int]:
    """Every live process whose parent chain leads to ``root`` (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2:].split()[0] != "Z"


@pytest.mark.slow
def test_bridge_dev_runs_the_stack_and_sigint_leaves_nothing_behind(tmp_path: Path) -> None:
    pytest.importorskip("bridge.worker", reason="bridge dev runs `bridge worker`, which needs bridge.worker")
    # Point MySQL and Redis at ports where nothing listens, so `bridge dev` starts private ones too.
    data_dir = tmp_path / "var"
    env = clean_environment(
        BRIDGE_MYSQL_URL=f"mysql+pymysql://root@127.0.0.1:{free_port()}/bridge",
        BRIDGE_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        BRIDGE_TEMPORAL_ADDRESS=f"127.0.0.1:{free_port()}",
        BRIDGE_API_PORT="0",
        BRIDGE_DATA_DIR=str(data_dir),
        BRIDGE_SIGNING_KEYS_DIR=str(data_dir / "keys"),
        BRIDGE_TEMPORAL_TASK_QUEUE=f"dev-test-{tmp_path.name}",
    )
    dev = subprocess.Popen(bridge_command("dev"), env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    children: set[int] = set()
    ready = threading.Event()

    def read_output() -> None:
        assert dev.stdout is not None
        for line in dev.stdout:
            output.append(line)
            if "Ctrl-C stops everything" in line:
                ready.set()

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    try:
        assert ready.wait(180), "bridge dev did not become ready:\n" + "".join(output)
        text = "".join(output)
        assert READY_LINE in text
        children = descendants(dev.pid)
        state = json.loads((data_dir / "dev-stack.json").read_text())
        assert set(state["pids"]) == {"mariadb", "redis", "temporal", "store-simulator", "api", "worker"}
        assert set(state["pids"].values()) <= children

        assert "GET /healthz → 200" in text
        assert "POST /oauth/token → 200" in text
        # The printed example works as printed: source the generated file and make a signed read with curl.
        call = subprocess.run(["bash", "-c", "source var/demo-calls.sh && bridge_call GET /v1/products/1"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert call.returncode == 0, call.stderr
        answer = json.loads(call.stdout)
        assert answer.get("id") == 1 or answer.get("product_id") == 1, answer
    finally:
        dev.send_signal(signal.SIGINT)
        try:
            code = dev.wait(timeout=120)
        finally:
            if dev.poll() is None:  # never leave it running, even when the assertion below fails
                dev.kill()
        reader.join(timeout=5)
    assert code == 0, "".join(output)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = {pid: Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ") for pid in children if alive(pid)}
    assert not left, f"left behind: {left}"
    assert not (data_dir / "dev-stack.json").exists()


def test_bridge_dev_says_what_to_install_when_mysql_is_unreachable_and_mariadb_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bridge.devstack import stack as stack_module
    from bridge.devstack.processes import MissingDependency
    from bridge.settings import Settings

    # Simulate a machine without MariaDB: the binary lookup finds nothing.
    monkeypatch.setattr(stack_module, "find_binary", lambda *names: None)
    dev = stack_module.DevStack(Settings(mysql_url=f"mysql+pymysql://root@127.0.0.1:{free_port()}/bridge",
                                         data_dir=str(tmp_path)), echo=lambda line: None)
    with pytest.raises(MissingDependency, match="apt-get install mariadb-server"):
        dev.start()
    dev.stop()


@pytest.mark.slow
def test_ctrl_c_while_bridge_dev_is_starting_leaves_nothing_behind(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    env = clean_environment(
        BRIDGE_MYSQL_URL=f"mysql+pymysql://root@127.0.0.1:{free_port()}/bridge",  # forces a private mariadbd
        BRIDGE_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        BRIDGE_TEMPORAL_ADDRESS=f"127.0.0.1:{free_port()}",
        BRIDGE_API_PORT="0",
        BRIDGE_DATA_DIR=str(data_dir),
        BRIDGE_SIGNING_KEYS_DIR=str(data_dir / "keys"),
    )
    dev = subprocess.Popen(bridge_command("dev"), env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    children: set[int] = set()
    try:
        assert dev.stdout is not None
        for line in dev.stdout:  # interrupt as soon as Temporal is up, while the rest is still starting
            if "Temporal" in line:
                break
        children = descendants(dev.pid)
        assert children, "bridge dev had no child processes when interrupted"
        dev.send_signal(signal.SIGINT)
        code = dev.wait(timeout=120)
    finally:
        if dev.poll() is None:
            dev.kill()
    assert code == 0
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children | descendants(dev.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if alive(pid)]
