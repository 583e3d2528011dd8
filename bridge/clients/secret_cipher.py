"""Encryption at rest for HMAC secrets.

HMAC secrets must be recoverable by the server (it recomputes every signature), so unlike client secrets they
cannot be hashed. They are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under the
key in ``Settings.secrets_encryption_key``.

The setting may hold several comma-separated Fernet keys: the first encrypts, all of them decrypt
(:class:`cryptography.fernet.MultiFernet`). That is how the encryption key itself rotates: put the new key
first and keep the old one after it; every secret written from then on uses the new key, and old rows keep
decrypting under the old one. (V1 has no bulk re-encryption command; rotating a client's HMAC secret re-encrypts it.)
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretCipherError(RuntimeError):
    """The encryption key is missing or malformed, or a stored secret does not decrypt under it."""


class SecretCipher:
    """Encrypts and decrypts short secrets with the configured Fernet key(s)."""

    def __init__(self, keys: str) -> None:
        parts = [part.strip() for part in keys.split(",") if part.strip()]
        if not parts:
            raise SecretCipherError(
                "no secrets encryption key configured: set BRIDGE_SECRETS_ENCRYPTION_KEY "
                "(generate one with `bridge keys generate-encryption-key`)"
            )
        try:
            self._fernet = MultiFernet([Fernet(part.encode("ascii")) for part in parts])
        except (ValueError, UnicodeEncodeError):
            # Never echo the key itself: it is a secret.
            raise SecretCipherError("BRIDGE_SECRETS_ENCRYPTION_KEY is not a valid Fernet key "
                                    "(32 url-safe base64-encoded bytes)") from None

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode("ascii")

    def encrypt(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise SecretCipherError("a stored secret does not decrypt under the configured encryption key") from None
