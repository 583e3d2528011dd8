"""Local key material for development and tests: an RS256 signing key and a Fernet encryption key.

``bridge keys generate`` (the security engineer's command) is the operator-facing way to create signing keys;
this module writes the same file format — ``<kid>.pem``, an RSA 2048 private key in PEM PKCS#8 — so the test
harness and ``bridge dev`` do not need that command to exist, and so both agree on one format.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def write_signing_key(keys_dir: Path | str, kid: str | None = None) -> str:
    """Generate an RSA 2048 key into ``<keys_dir>/<kid>.pem`` (mode 0600); returns the kid."""
    folder = Path(keys_dir)
    folder.mkdir(parents=True, exist_ok=True)
    kid = kid or datetime.now(UTC).strftime("key-%Y%m%dT%H%M%SZ")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    path = folder / f"{kid}.pem"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return kid


def ensure_encryption_key(path: Path | str) -> str:
    """Read the Fernet key stored at ``path``, creating it (mode 0600) on first use."""
    file = Path(path)
    if file.exists():
        return file.read_text().strip()
    file.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
