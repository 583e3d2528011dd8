"""``bridge api``, ``bridge worker`` and ``bridge dev``: the commands that run the bridge.

``api`` and ``worker`` are what production runs (one process each, configured by ``BRIDGE_*`` variables);
both refuse to start on a database that is not migrated, printing what to do, so a deployment that forgot
``bridge migrate`` fails loudly at start instead of on the first request. ``dev`` runs the whole stack on one
machine (see :mod:`bridge.devstack.stack`).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from typing import Any

import click

from bridge.cli.root import settings_of
from bridge.settings import Settings


def refuse_unmigrated_database(settings: Settings, command: str) -> None:
    """Exit with status 1 and a clear message when the database is missing, unreachable or behind head."""
    from bridge.db.engine import DatabaseNotMigrated, create_checked_engine

    try:
        create_checked_engine(settings.mysql_url, pool_size=1).dispose()
    except DatabaseNotMigrated as exc:
        click.echo(f"bridge {command}: refusing to start: {exc}", err=True)
        raise SystemExit(1) from None


async def run_until_signalled(main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` until it returns or SIGINT/SIGTERM arrives; a signal cancels it so it can shut down cleanly.

    Python's default SIGTERM action kills the process without running ``finally`` blocks; a worker stopped
    that way would abandon its in-flight activity tasks until their timeouts. Cancelling lets Temporal's
    worker finish its graceful shutdown.
    """
    task = asyncio.ensure_future(main)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        pass
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@click.command()
@click.pass_context
def api(ctx: click.Context) -> None:
    """Serve the HTTP API (uvicorn) on BRIDGE_API_HOST:BRIDGE_API_PORT."""
    import uvicorn

    from bridge.api.app import create_app
    from bridge.observability import configure_logging

    settings = settings_of(ctx)
    configure_logging(settings.log_level)
    refuse_unmigrated_database(settings, "api")
    # log_config=None keeps the JSON logging configured above instead of uvicorn's own formatters.
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_config=None,
                server_header=False)


@click.command()
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Run a Temporal worker for the bridge's workflows and activities (stops cleanly on SIGINT/SIGTERM)."""
    from bridge.observability import configure_logging

    settings = settings_of(ctx)
    configure_logging(settings.log_level)
    refuse_unmigrated_database(settings, "worker")
    from bridge.worker import run_worker  # imported late: it pulls in every workflow and activity module

    asyncio.run(run_until_signalled(run_worker(settings)))


@click.command()
@click.pass_context
def dev(ctx: click.Context) -> None:
    """Run everything for local development: MySQL/Redis (private ones if needed), Temporal dev server + UI,
    migrations, the store simulator, the API and a worker; then print example calls. Ctrl-C stops it all."""
    from bridge.devstack.processes import DevStackError
    from bridge.devstack.stack import DevStack

    stack = DevStack(settings_of(ctx), echo=click.echo)
    try:
        code = stack.run_until_stopped()
    except DevStackError as exc:
        click.echo(f"bridge dev: {exc}", err=True)
        raise SystemExit(1) from None
    raise SystemExit(code)
