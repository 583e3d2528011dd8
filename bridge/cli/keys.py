"""``bridge keys generate|list|generate-encryption-key``: the RS256 signing keys and the secrets key.

Rotation procedure (also in docs/security.md):

1. ``BRIDGE_SIGNING_KID=<current kid>`` everywhere (pins the signer), then ``bridge keys generate`` and copy the
   new ``<kid>.pem`` to every replica's ``BRIDGE_SIGNING_KEYS_DIR``; restart replicas one by one. Every replica
   now verifies (and publishes in JWKS) both keys; the old one still signs.
2. Set ``BRIDGE_SIGNING_KID=<new kid>`` (or unset it: the newest kid signs) and restart replicas one by one.
3. After ``BRIDGE_TOKEN_TTL_SECONDS`` + leeway (about an hour), delete the old ``.pem`` and restart replicas.
"""

from __future__ import annotations

import click

from bridge.auth.signing_keys import SigningKeyError, SigningKeyRing, generate_key_file
from bridge.cli.root import settings_of
from bridge.clients.secret_cipher import SecretCipher


@click.group()
def keys() -> None:
    """RS256 signing keys for access tokens, and the key that encrypts HMAC secrets."""


@keys.command()
@click.option("--dir", "directory", default=None, help="Where to write <kid>.pem (default: BRIDGE_SIGNING_KEYS_DIR).")
@click.option("--bits", type=click.Choice(["2048", "3072", "4096"]), default="3072", show_default=True)
@click.pass_context
def generate(ctx: click.Context, directory: str | None, bits: str) -> None:
    """Generate a new RSA private key as <dir>/<kid>.pem (mode 0600) and print its kid."""
    target = directory or settings_of(ctx).signing_keys_dir
    path = generate_key_file(target, bits=int(bits))
    click.echo(path.stem)
    click.echo(f"wrote {path}. Without BRIDGE_SIGNING_KID the newest kid signs; see docs/security.md for "
               "rotating without downtime.", err=True)


@keys.command(name="list")
@click.pass_context
def list_keys(ctx: click.Context) -> None:
    """List the configured signing keys and say which one signs new tokens."""
    settings = settings_of(ctx)
    try:
        ring = SigningKeyRing.load(directory=settings.signing_keys_dir, files=settings.signing_key_files,
                                   signing_kid=settings.signing_kid)
    except SigningKeyError as exc:
        raise click.ClickException(str(exc)) from None
    for kid in ring.kids:
        role = "signs and verifies" if kid == ring.signing_key.kid else "verifies"
        click.echo(f"{kid}  {role}")


@keys.command(name="generate-encryption-key")
def generate_encryption_key() -> None:
    """Print a new Fernet key for BRIDGE_SECRETS_ENCRYPTION_KEY (store it in your secret manager)."""
    click.echo(SecretCipher.generate_key())
