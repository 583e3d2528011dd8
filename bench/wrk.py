"""Drive a server with ``wrk`` using pre-built requests, and parse its report.

wrk's Lua cannot compute HMAC-SHA256, and the contract makes every signed read's request id single-use, so
every request is built (and signed) ahead of the run and written to a file that each wrk thread walks with its
own stride. A run that exhausts the file would start replaying ids, so the file is sized from an upper bound of
the rate (the bare-Litestar ceiling) and the report counts non-2xx answers, which must stay at zero.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_LUA = r"""
local requests = {}
local counter = 0
-- offset and stride are globals set per thread by setup() (a local here would shadow them)
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

function setup(thread)
  _G.thread_index = (_G.thread_index or 0) + 1
  thread:set("offset", _G.thread_index - 1)
  thread:set("stride", tonumber(os.getenv("BENCH_THREADS")))
end

function init(args)
  local f = assert(io.open(os.getenv("BENCH_REQUESTS"), "rb"))
  while true do
    local len = f:read("*l")
    if not len then break end
    requests[#requests + 1] = f:read(tonumber(len))
  end
  f:close()
end

function request()
  local i = offset + counter * stride
  counter = counter + 1
  return requests[(i % #requests) + 1]
end

if delay_ms > 0 then
  function delay() return delay_ms end
end
"""


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    total_requests: int
    non_2xx: int
    socket_errors: int


def raw_request(method: str, target: str, host: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method != "GET":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def write_requests(requests: list[bytes], path: Path) -> None:
    with path.open("wb") as out:
        for request in requests:
            out.write(f"{len(request)}\n".encode())
            out.write(request)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_report(output: str) -> WrkResult:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _duration_ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _duration_ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    non_2xx_match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return WrkResult(rps, p50, p99, total, int(non_2xx_match.group(1)) if non_2xx_match else 0, errors)


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("the benchmarks need wrk: apt-get install wrk (make bench installs it)")
    return path


def run_wrk(url: str, requests: list[bytes] | None = None, *, seconds: float, connections: int = 32,
            threads: int = 2, delay_ms: float = 0.0) -> WrkResult:
    """Run wrk against ``url`` (its path is ignored when ``requests`` are given: they carry their own)."""
    wrk = require_wrk()
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script = Path(tmp) / "requests.lua"
        script.write_text(_LUA)
        env = {"BENCH_THREADS": str(threads), "BENCH_DELAY_MS": str(delay_ms), "PATH": "/usr/bin:/bin"}
        argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s"]
        if requests is not None:
            data = Path(tmp) / "requests.bin"
            write_requests(requests, data)
            env["BENCH_REQUESTS"] = str(data)
            argv += ["-s", str(script)]
        completed = subprocess.run([*argv, url], capture_output=True, text=True, env=env, check=True)
    return parse_report(completed.stdout)
