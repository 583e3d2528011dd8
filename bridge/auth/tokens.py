"""Issuing and verifying the bridge's RS256 access tokens (CONTRACT.md §3, "OAuth2").

Verification is pinned: the header must say ``alg: RS256`` and name a ``kid`` we hold; PyJWT is then called
with ``algorithms=["RS256"]`` and an RSA *key object*, so ``none``, HS256 (including an HS256 token keyed with
our public key) and every other algorithm are refused before any signature maths. ``iss``, ``aud``, ``exp``,
``nbf``, ``iat``, ``sub``, ``scope`` and ``jti`` are all required.

A verified token is remembered until it expires (:class:`TokenVerifier` cache) so the hot path does RSA work
once per token, not once per request.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import jwt

from bridge.auth.signing_keys import SigningKeyRing
from bridge.errors import Unauthorized

ALGORITHM = "RS256"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "scope", "iat", "nbf", "exp", "jti"]
WWW_AUTHENTICATE_INVALID = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


@dataclass(frozen=True)
class TokenClaims:
    client_id: str
    scopes: frozenset[str]
    expires_at: int
    jti: str


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str


def invalid_token(detail: str, *, code: str = "invalid_token") -> Unauthorized:
    return Unauthorized(detail, code=code, headers=WWW_AUTHENTICATE_INVALID)


class TokenIssuer:
    def __init__(self, keys: SigningKeyRing, *, issuer: str, audience: str, ttl_seconds: int,
                 clock: Callable[[], float] = time.time) -> None:
        self._keys, self._issuer, self._audience, self._ttl, self._clock = keys, issuer, audience, ttl_seconds, clock

    def issue(self, client_id: str, scopes: Iterable[str]) -> IssuedToken:
        now = int(self._clock())
        scope = " ".join(sorted(scopes))
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": client_id,
            "scope": scope,
            "iat": now,
            "nbf": now,
            "exp": now + self._ttl,
            "jti": uuid.uuid4().hex,
        }
        key = self._keys.signing_key
        token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})
        return IssuedToken(access_token=token, expires_in=self._ttl, scope=scope)


class TokenVerifier:
    """Verifies bearer tokens; remembers verified ones until their ``exp`` (bounded to ``cache_size``)."""

    def __init__(self, keys: SigningKeyRing, *, issuer: str, audience: str, leeway_seconds: int,
                 cache_size: int = 10_000, clock: Callable[[], float] = time.time) -> None:
        self._keys, self._issuer, self._audience = keys, issuer, audience
        self._leeway, self._clock, self._cache_size = leeway_seconds, clock, cache_size
        self._cache: dict[str, TokenClaims] = {}

    def verify(self, token: str) -> TokenClaims:
        """The token's claims, or :class:`~bridge.errors.Unauthorized` saying what is wrong (never why in
        cryptographic detail)."""
        now = self._clock()
        cached = self._cache.get(token)
        if cached is not None:
            if now <= cached.expires_at + self._leeway:
                return cached
            del self._cache[token]
            raise invalid_token("the access token has expired", code="token_expired")
        claims = self._verify_uncached(token)
        if len(self._cache) >= self._cache_size:
            self._evict(now)
        self._cache[token] = claims
        return claims

    def _evict(self, now: float) -> None:
        for key in [k for k, c in self._cache.items() if now > c.expires_at + self._leeway]:
            del self._cache[key]
        if len(self._cache) >= self._cache_size:  # all still valid: forget everything, re-verify on next use
            self._cache.clear()

    def _verify_uncached(self, token: str) -> TokenClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise invalid_token("the access token is not a well-formed JWT") from None
        if header.get("alg") != ALGORITHM:
            raise invalid_token(f"the access token must be signed with {ALGORITHM}")
        kid = header.get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise invalid_token("the access token was signed with an unknown key (kid)")
        try:
            claims = jwt.decode(
                token,
                key.public_key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": REQUIRED_CLAIMS, "verify_signature": True},
            )
        except jwt.ExpiredSignatureError:
            raise invalid_token("the access token has expired", code="token_expired") from None
        except jwt.ImmatureSignatureError:
            raise invalid_token("the access token is not valid yet (nbf/iat in the future)") from None
        except jwt.InvalidAudienceError:
            raise invalid_token("the access token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise invalid_token("the access token has the wrong issuer") from None
        except jwt.MissingRequiredClaimError as exc:
            raise invalid_token(f"the access token lacks the {exc.claim!r} claim") from None
        except jwt.PyJWTError:
            raise invalid_token("the access token's signature does not verify") from None
        sub, scope, exp = claims.get("sub"), claims.get("scope"), claims.get("exp")
        if not isinstance(sub, str) or not sub or not isinstance(scope, str) or not isinstance(exp, int):
            raise invalid_token("the access token's claims are malformed")
        return TokenClaims(client_id=sub, scopes=frozenset(scope.split()), expires_at=exp, jti=str(claims["jti"]))
