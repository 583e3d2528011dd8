"""The ``bridge`` command: one entry point for running, migrating and operating the bridge.

Settings are read once here (``Settings.from_env``) and passed down to every command.
Each command group lives in its own module and is registered in :func:`main`.
"""

from __future__ import annotations

import click

from bridge.settings import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Operate the PrestaShop Bridge. Configuration comes from BRIDGE_* environment variables."""
    ctx.obj = Settings.from_env()


def settings_of(ctx: click.Context) -> Settings:
    settings = ctx.find_root().obj
    assert isinstance(settings, Settings)
    return settings


@cli.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Create the database if needed and apply every migration."""
    from bridge.db.engine import migrate as run_migrations

    revision = run_migrations(settings_of(ctx).mysql_url)
    click.echo(f"database migrated to revision {revision}")


def main() -> None:
    from bridge.cli.run import api, dev, worker

    for command in (api, worker, dev):
        cli.add_command(command)
    from bridge.cli.clients import clients
    from bridge.cli.keys import keys
    from bridge.cli.sign import sign

    for command in (clients, keys, sign):
        cli.add_command(command)
    from bridge.cli.jobs import jobs

    cli.add_command(jobs)
    from bridge.cli.preflight import preflight; cli.add_command(preflight)  # noqa: E702, I001
    cli()
