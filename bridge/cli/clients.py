"""``bridge clients create|list|disable|enable|rotate-secret``: manage who may call the bridge.

Secrets are printed exactly once, when they are created or rotated; the database keeps only an argon2 hash of
the client secret and the Fernet-encrypted HMAC secret.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

import click

from bridge.cli.root import settings_of
from bridge.clients import ClientRegistry, SecretCipher, SecretCipherError
from bridge.errors import BridgeError


@contextmanager
def open_registry(ctx: click.Context) -> Iterator[ClientRegistry]:
    from bridge.db.engine import DatabaseNotMigrated, create_checked_engine

    settings = settings_of(ctx)
    try:
        cipher = SecretCipher(settings.secrets_encryption_key)
        engine = create_checked_engine(settings.mysql_url, pool_size=1)
    except (SecretCipherError, DatabaseNotMigrated) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield ClientRegistry(engine, cipher)
    except (BridgeError, SecretCipherError) as exc:
        raise click.ClickException(getattr(exc, "detail", str(exc))) from None
    finally:
        engine.dispose()


@click.group()
def clients() -> None:
    """Create, list, disable and rotate the secrets of API clients."""


@clients.command()
@click.option("--name", required=True, help="Who or what this client is (shown in `bridge clients list`).")
@click.option("--scopes", default="bridge:read bridge:write", show_default=True,
              help="Space- or comma-separated scopes: bridge:read, bridge:write.")
@click.option("--reads-per-minute", type=click.IntRange(min=1), default=None,
              help="Override the read rate limit (default: BRIDGE_RATE_LIMIT_READS_PER_MINUTE).")
@click.option("--writes-per-minute", type=click.IntRange(min=1), default=None,
              help="Override the write rate limit (default: BRIDGE_RATE_LIMIT_WRITES_PER_MINUTE).")
@click.option("--network", "networks", multiple=True, metavar="CIDR",
              help="Only accept calls from this network (repeatable). Default: any source address.")
@click.option("--json", "as_json", is_flag=True, help="Print the client id and both secrets as one JSON object.")
@click.pass_context
def create(ctx: click.Context, name: str, scopes: str, reads_per_minute: int | None, writes_per_minute: int | None,
           networks: tuple[str, ...], as_json: bool) -> None:
    """Register a client and print its id, client secret and HMAC secret (shown once)."""
    with open_registry(ctx) as registry:
        created = registry.create(name=name, scopes=scopes, reads_per_minute=reads_per_minute,
                                  writes_per_minute=writes_per_minute, allowed_networks=list(networks) or None)
    if as_json:
        click.echo(json.dumps(asdict(created)))
        return
    click.echo(f"client_id:     {created.client_id}")
    click.echo(f"client_secret: {created.client_secret}")
    click.echo(f"hmac_secret:   {created.hmac_secret}")
    click.echo("Store both secrets now: they are not shown again (the database keeps only a hash and a "
               "ciphertext).", err=True)


@clients.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def list_clients(ctx: click.Context, as_json: bool) -> None:
    """List clients (never their secrets)."""
    with open_registry(ctx) as registry:
        rows = registry.list_all()
    for row in rows:
        if as_json:
            click.echo(json.dumps({**asdict(row), "created_at": row.created_at.isoformat(),
                                   "updated_at": row.updated_at.isoformat()}))
            continue
        limits = f"reads/min={row.reads_per_minute or 'default'} writes/min={row.writes_per_minute or 'default'}"
        networks = ",".join(row.allowed_networks) if row.allowed_networks else "any"
        state = "active" if row.active else "DISABLED"
        rotating = " (HMAC rotation open)" if row.rotating_hmac_secret else ""
        click.echo(f"{row.client_id}  {state:8}  {row.name!r}  scopes={row.scopes.replace(' ', ',')}  {limits}  "
                   f"networks={networks}{rotating}")


@clients.command()
@click.argument("client_id")
@click.pass_context
def disable(ctx: click.Context, client_id: str) -> None:
    """Disable a client: its calls get 401 within BRIDGE_CLIENT_CACHE_SECONDS, new tokens are refused."""
    with open_registry(ctx) as registry:
        registry.disable(client_id)
    click.echo(f"{client_id} disabled")


@clients.command()
@click.argument("client_id")
@click.pass_context
def enable(ctx: click.Context, client_id: str) -> None:
    """Re-enable a disabled client."""
    with open_registry(ctx) as registry:
        registry.set_active(client_id, True)
    click.echo(f"{client_id} enabled")


@clients.command(name="rotate-secret")
@click.argument("client_id")
@click.option("--which", type=click.Choice(["hmac", "client"]), default="hmac", show_default=True,
              help="hmac: new HMAC secret, the previous one keeps verifying until --finish. "
                   "client: new OAuth2 client secret (the old one stops working at once).")
@click.option("--finish", is_flag=True, help="End an HMAC rotation: forget the previous HMAC secret.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def rotate_secret(ctx: click.Context, client_id: str, which: str, finish: bool, as_json: bool) -> None:
    """Rotate a client's HMAC secret (two stay valid until --finish) or its client secret."""
    with open_registry(ctx) as registry:
        if finish:
            registry.finish_hmac_rotation(client_id)
            click.echo(json.dumps({"client_id": client_id, "finished": True}) if as_json
                       else f"{client_id}: previous HMAC secret forgotten")
            return
        if which == "hmac":
            secret = registry.rotate_hmac_secret(client_id)
            key = "hmac_secret"
        else:
            secret = registry.rotate_client_secret(client_id)
            key = "client_secret"
    if as_json:
        click.echo(json.dumps({"client_id": client_id, key: secret}))
        return
    click.echo(f"{key}: {secret}")
    if which == "hmac":
        click.echo("Both the new and the previous HMAC secret verify now. Move the client to the new one, then "
                   f"run `bridge clients rotate-secret {client_id} --finish`.", err=True)
