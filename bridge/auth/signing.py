"""Pure functions for the contract's HMAC request signature (CONTRACT.md §3, "HMAC").

The string to sign is::

    METHOD + "\\n" + URI + "\\n" + TIMESTAMP + "\\n" + REQUEST_ID + "\\n" + BODY_SHA256

``URI`` is the request target exactly as the client sent it (path, plus ``?`` and the raw query string when
there is one — never re-encoded or sorted). ``BODY_SHA256`` is the lower-case hex SHA-256 of the body bytes on
the wire (the gzip bytes for a gzip body; the hash of ``b""`` for a GET). The signature is the lower-case hex
HMAC-SHA256 of that string under the client's HMAC secret.

Everything here is pure (no I/O, and the clock is a parameter) so the gate, ``bridge sign``, the test
helper and client authors all compute the same bytes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()
"""``e3b0c442…b855``: the body hash of every GET."""


def body_sha256(body: bytes) -> str:
    """Lower-case hex SHA-256 of the body bytes exactly as sent on the wire."""
    return hashlib.sha256(body).hexdigest()


def canonical_string(method: str, uri: str, timestamp: int | str, request_id: str, body_sha256: str) -> str:
    """The string to sign. ``method`` is upper-cased; everything else is used verbatim."""
    return "\n".join((method.upper(), uri, str(timestamp), request_id, body_sha256))


def _secret_bytes(secret: bytes | str) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def sign(secret: bytes | str, canonical: str) -> str:
    """Lower-case hex HMAC-SHA256 of ``canonical`` under ``secret`` (a str secret is UTF-8 encoded)."""
    return hmac.new(_secret_bytes(secret), canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def signature_matches(secrets: Iterable[bytes | str], canonical: str, signature: str) -> bool:
    """True when ``signature`` is the HMAC of ``canonical`` under any of ``secrets`` (two during rotation).

    Comparison is constant-time (:func:`hmac.compare_digest`), and every secret is tried even after a match
    so the timing does not reveal which secret matched.
    """
    presented = signature.strip().lower().encode("ascii", "replace")
    matched = False
    for secret in secrets:
        expected = sign(secret, canonical).encode("ascii")
        matched |= hmac.compare_digest(expected, presented)
    return matched


def within_window(timestamp: int, now: float, window_seconds: int) -> bool:
    """True when ``timestamp`` (unix seconds) is at most ``window_seconds`` away from ``now``, either side.

    ``now`` is passed in (an injectable clock) so tests can pin skew at ±29 s and ±31 s exactly.
    """
    return abs(now - timestamp) <= window_seconds
