"""RS256 signing keys, loaded from configuration: a directory of ``<kid>.pem`` files and/or explicit PEM files.

Every loaded key verifies (and is published in ``/.well-known/jwks.json``); exactly one signs new tokens:
``Settings.signing_kid`` when set, otherwise the key whose ``kid`` sorts last. ``bridge keys generate`` names
keys ``key-<UTC timestamp>-<random>`` so "sorts last" means "newest". Rotation (docs/security.md) is therefore:
add the new key everywhere while pinning ``signing_kid`` to the old one, then unpin, then remove the old file
once every token it signed has expired (TTL + leeway).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

MIN_RSA_BITS = 2048


class SigningKeyError(RuntimeError):
    """No usable signing key, or a key file that is not an RSA private key of at least 2048 bits."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    public_key: rsa.RSAPublicKey

    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.public_key, as_dict=True)
        jwk.pop("key_ops", None)  # RFC 7517 §4.3: do not send both "use" and "key_ops"
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return jwk


def new_kid() -> str:
    """``key-20261204T201500Z-a1b2c3``: sorts by creation time (the same ``key-<UTC time>`` form as
    :mod:`bridge.devstack.keys`, so keys from both sort together), unique across hosts."""
    return datetime.now(UTC).strftime("key-%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def generate_key_file(directory: str | Path, *, bits: int = 3072, kid: str | None = None) -> Path:
    """Write a new RSA private key as ``<directory>/<kid>.pem`` (mode 0600) and return its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    kid = kid or new_kid()
    path = directory / f"{kid}.pem"
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Create with 0600 from the start: never a moment where the private key is world-readable.
    with open(path, "xb", opener=lambda p, flags: os.open(p, flags, 0o600)) as handle:
        handle.write(pem)
    return path


def _load_key(path: Path) -> SigningKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{path} is not an unencrypted PEM private key: {exc.__class__.__name__}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SigningKeyError(f"{path} is not an RSA key (RS256 needs RSA)")
    if key.key_size < MIN_RSA_BITS:
        raise SigningKeyError(f"{path} is a {key.key_size}-bit key; RS256 keys need at least {MIN_RSA_BITS} bits")
    return SigningKey(kid=path.stem, private_key=key, public_key=key.public_key())


class SigningKeyRing:
    """The active keys: look up by ``kid`` to verify, :attr:`signing_key` to sign."""

    def __init__(self, keys: list[SigningKey], *, signing_kid: str = "") -> None:
        if not keys:
            raise SigningKeyError("no signing keys configured: run `bridge keys generate` "
                                  "(keys go to BRIDGE_SIGNING_KEYS_DIR) or set BRIDGE_SIGNING_KEY_FILES")
        self._by_kid: dict[str, SigningKey] = {}
        for key in keys:
            if key.kid in self._by_kid:
                raise SigningKeyError(f"two signing keys share the kid {key.kid!r}")
            self._by_kid[key.kid] = key
        chosen = signing_kid or max(self._by_kid)
        if chosen not in self._by_kid:
            raise SigningKeyError(f"BRIDGE_SIGNING_KID={chosen!r} names no loaded key "
                                  f"(loaded: {', '.join(sorted(self._by_kid))})")
        self.signing_key = self._by_kid[chosen]

    @classmethod
    def load(cls, *, directory: str = "", files: str = "", signing_kid: str = "") -> SigningKeyRing:
        """Every ``*.pem`` in ``directory`` (if it exists) plus every comma-separated path in ``files``."""
        paths: list[Path] = []
        if directory and Path(directory).is_dir():
            paths.extend(sorted(Path(directory).glob("*.pem")))
        paths.extend(Path(p.strip()) for p in files.split(",") if p.strip())
        return cls([_load_key(path) for path in paths], signing_kid=signing_kid)

    def get(self, kid: str) -> SigningKey | None:
        return self._by_kid.get(kid)

    @property
    def kids(self) -> list[str]:
        return sorted(self._by_kid)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self._by_kid[kid].jwk() for kid in self.kids]}
