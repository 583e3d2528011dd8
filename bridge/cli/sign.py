"""``bridge sign``: print the canonical string and the HMAC signature for given inputs.

For people writing a client: compare your canonical string with this one byte for byte (the usual mistakes are
a re-encoded or sorted query string, a hash of the uncompressed body for a gzip request, or a trailing newline).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path

import click

from bridge.auth.signing import EMPTY_BODY_SHA256, body_sha256, canonical_string
from bridge.auth.signing import sign as hmac_sign


@click.command()
@click.option("--method", default="GET", show_default=True)
@click.option("--uri", required=True, help="Path plus ?query exactly as sent, e.g. '/v1/jobs/products/update'.")
@click.option("--timestamp", type=int, default=None, help="Unix seconds (default: now).")
@click.option("--request-id", default=None, help="The X-Request-ID (default: a fresh UUID v4).")
@click.option("--body-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The body bytes exactly as sent (the gzip file for a gzip request).")
@click.option("--body-sha256", default=None, help="Hex SHA-256 of the body, instead of --body-file.")
@click.option("--secret", envvar="BRIDGE_SIGN_SECRET", default=None,
              help="The client's HMAC secret (or env BRIDGE_SIGN_SECRET, which stays out of shell history). "
                   "Without it only the canonical string is printed.")
@click.option("--json", "as_json", is_flag=True, help="Print {canonical_string, signature} as JSON.")
def sign(method: str, uri: str, timestamp: int | None, request_id: str | None, body_file: Path | None,
         body_sha256: str | None, secret: str | None, as_json: bool) -> None:
    """Print the string to sign (METHOD, URI, TIMESTAMP, REQUEST_ID, BODY_SHA256 joined by \\n) and its signature."""
    if body_file is not None and body_sha256 is not None:
        raise click.UsageError("give --body-file or --body-sha256, not both")
    if body_sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", body_sha256):
        raise click.UsageError("--body-sha256 must be 64 hexadecimal characters")
    digest = (_hash_file(body_file) if body_file is not None
              else body_sha256.lower() if body_sha256 is not None else EMPTY_BODY_SHA256)
    canonical = canonical_string(method, uri, int(time.time()) if timestamp is None else timestamp,
                                 request_id or str(uuid.uuid4()), digest)
    signature = hmac_sign(secret, canonical) if secret else None
    if as_json:
        click.echo(json.dumps({"canonical_string": canonical, "signature": signature}))
        return
    click.echo("canonical string (lines joined by \\n, no trailing newline):")
    click.echo(canonical)
    click.echo(f"signature: {signature}" if signature else "signature: (no --secret given)")


def _hash_file(path: Path) -> str:
    return body_sha256(path.read_bytes())
