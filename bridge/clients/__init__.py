"""The client registry (MySQL ``clients`` table): hashed client secrets, encrypted HMAC secrets, scopes,
per-client rate limits, allowed networks, active flag. See :mod:`bridge.clients.registry`."""

from bridge.clients.registry import ClientRecord, ClientRegistry, ClientSummary, CreatedClient
from bridge.clients.secret_cipher import SecretCipher, SecretCipherError

__all__ = ["ClientRecord", "ClientRegistry", "ClientSummary", "CreatedClient", "SecretCipher", "SecretCipherError"]
