"""Everything the security area keeps open in one API process, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy import Engine

from bridge.auth.client_directory import ClientDirectory
from bridge.auth.gate import Gate
from bridge.auth.rate_limit import RateLimiter
from bridge.auth.signing_keys import SigningKeyRing
from bridge.auth.tokens import TokenIssuer, TokenVerifier
from bridge.clients.registry import ClientRegistry
from bridge.clients.secret_cipher import SecretCipher
from bridge.settings import Settings


@dataclass
class AuthServices:
    keys: SigningKeyRing
    issuer: TokenIssuer
    verifier: TokenVerifier
    registry: ClientRegistry
    clients: ClientDirectory
    limiter: RateLimiter
    gate: Gate

    @classmethod
    def build(cls, settings: Settings, *, engine: Engine, redis: Redis) -> AuthServices:
        """Load the signing keys and the encryption key (failing fast with a clear message), wire the gate."""
        keys = SigningKeyRing.load(directory=settings.signing_keys_dir, files=settings.signing_key_files,
                                   signing_kid=settings.signing_kid)
        registry = ClientRegistry(engine, SecretCipher(settings.secrets_encryption_key))
        verifier = TokenVerifier(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
                                 leeway_seconds=settings.jwt_leeway_seconds)
        clients = ClientDirectory(registry, ttl_seconds=settings.client_cache_seconds)
        # A signed read is acceptable for the whole window either side of its timestamp, so its request id
        # must stay remembered for twice the window (plus a second for rounding).
        limiter = RateLimiter(redis, replay_ttl_seconds=2 * settings.signature_window_seconds + 1)
        return cls(
            keys=keys,
            issuer=TokenIssuer(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
                               ttl_seconds=settings.token_ttl_seconds),
            verifier=verifier,
            registry=registry,
            clients=clients,
            limiter=limiter,
            gate=Gate(settings, verifier=verifier, clients=clients, limiter=limiter),
        )
