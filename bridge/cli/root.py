"""The ``bridge`` command group, and how every command reaches the settings.

Settings are read once here (``Settings.from_env``), when the group runs, and handed to each command through the
click context (:func:`settings_of`).
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
