"""Ceiling C1: a bare Litestar handler returning a constant, served exactly as ``bridge api`` serves the bridge
(uvicorn with uvloop/httptools, one process, JSON logging with access logs, no server header)."""

from __future__ import annotations

import sys

import uvicorn
from litestar import Litestar, get

from bridge.observability import configure_logging


@get("/constant", sync_to_thread=False)
def constant() -> dict[str, str]:
    return {"status": "ok"}


def main() -> None:
    configure_logging("INFO")
    uvicorn.run(Litestar([constant]), host="127.0.0.1", port=int(sys.argv[1]), log_config=None,
                server_header=False)


if __name__ == "__main__":
    main()
