"""The fingerprint of a write's business intention (contract section 5).

Two requests under the same ``X-Request-ID`` are "the same intention" when method, path and the *validated,
canonical* payload (see :func:`bridge.jobs.schemas.parse_payload`) are equal. Whitespace, key order, ``12.50``
versus ``"12.5"`` and an omitted default versus the default spelled out therefore do not count; any real
difference does. The fingerprint is what ``idempotency_keys.fingerprint`` and ``jobs.fingerprint`` hold.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec


def canonical_json(payload: Any) -> bytes:
    """Compact JSON with object keys sorted at every depth (msgspec's ``order="sorted"``)."""
    return msgspec.json.encode(payload, order="sorted")


def request_fingerprint(method: str, path: str, payload: Any) -> str:
    """Lower-case hex SHA-256 of ``METHOD \\n path \\n canonical JSON``."""
    digest = hashlib.sha256()
    digest.update(method.upper().encode("ascii"))
    digest.update(b"\n")
    digest.update(path.encode("utf-8"))
    digest.update(b"\n")
    digest.update(canonical_json(payload))
    return digest.hexdigest()
