"""RS256 tokens: issuance, verification, and every attack the contract names (none, HS256, HS256 keyed with
our public key, unknown kid, wrong iss/aud, expired, not yet valid, tampered, foreign key)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bridge.auth.signing_keys import SigningKey, SigningKeyError, SigningKeyRing, generate_key_file
from bridge.auth.tokens import TokenIssuer, TokenVerifier
from bridge.errors import Unauthorized

ISS, AUD = "prestashop-bridge", "prestashop-bridge-api"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict, claims: dict, signer: str = "", key: bytes = b"") -> str:
    """A hand-built JWT, so attacks PyJWT itself refuses to produce (HS256 keyed with a PEM) can be made."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    if signer == "HS256":
        signature = b64url(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())
    else:
        signature = ""
    return f"{signing_input}.{signature}"


@pytest.fixture(scope="module")
def ring(tmp_path_factory: pytest.TempPathFactory) -> SigningKeyRing:
    folder = tmp_path_factory.mktemp("keys")
    generate_key_file(folder, bits=2048, kid="key-a")
    generate_key_file(folder, bits=2048, kid="key-b")
    return SigningKeyRing.load(directory=str(folder))


def claims(now: int | None = None, **overrides: object) -> dict:
    now = int(time.time()) if now is None else now
    base = {"iss": ISS, "aud": AUD, "sub": "cl_x", "scope": "bridge:read", "iat": now, "nbf": now,
            "exp": now + 3600, "jti": "j1"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def verifier(ring: SigningKeyRing, **kw: object) -> TokenVerifier:
    return TokenVerifier(ring, issuer=ISS, audience=AUD, leeway_seconds=5, **kw)  # type: ignore[arg-type]


def rs256(ring: SigningKeyRing, kid: str, body: dict, alg: str = "RS256") -> str:
    return jwt.encode(body, ring.get(kid).private_key, algorithm=alg, headers={"kid": kid})  # type: ignore[union-attr]


def refused(v: TokenVerifier, token: str) -> Unauthorized:
    with pytest.raises(Unauthorized) as info:
        v.verify(token)
    assert info.value.status == 401
    return info.value


def test_issued_token_has_every_claim_and_the_signing_kid(ring: SigningKeyRing) -> None:
    issued = TokenIssuer(ring, issuer=ISS, audience=AUD, ttl_seconds=3600).issue("cl_1", {"bridge:write",
                                                                                         "bridge:read"})
    header = jwt.get_unverified_header(issued.access_token)
    assert header == {"alg": "RS256", "kid": "key-b", "typ": "JWT"}  # the kid that sorts last signs
    body = jwt.decode(issued.access_token, options={"verify_signature": False})
    assert set(body) == {"iss", "aud", "sub", "scope", "iat", "nbf", "exp", "jti"}
    assert body["exp"] - body["iat"] == 3600 and body["nbf"] == body["iat"]
    assert body["sub"] == "cl_1" and body["scope"] == "bridge:read bridge:write"
    verified = verifier(ring).verify(issued.access_token)
    assert verified.client_id == "cl_1" and verified.scopes == {"bridge:read", "bridge:write"}


def test_every_active_key_verifies(ring: SigningKeyRing) -> None:
    v = verifier(ring)
    assert v.verify(rs256(ring, "key-a", claims())).client_id == "cl_x"
    assert v.verify(rs256(ring, "key-b", claims(jti="j2"))).client_id == "cl_x"


def test_alg_none_is_refused(ring: SigningKeyRing) -> None:
    token = forge({"alg": "none", "typ": "JWT", "kid": "key-a"}, claims())
    assert "RS256" in refused(verifier(ring), token).detail


def test_hs256_with_a_random_secret_is_refused(ring: SigningKeyRing) -> None:
    token = jwt.encode(claims(), "some-shared-secret-of-32-bytes-or-more!!", algorithm="HS256",
                       headers={"kid": "key-a"})
    refused(verifier(ring), token)


def test_hs256_keyed_with_our_public_key_is_refused(ring: SigningKeyRing) -> None:
    """The classic confusion attack: HMAC the token with the (public) RSA key a naive verifier would use."""
    public_pem = ring.get("key-a").public_key.public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    for key in (public_pem, public_pem.strip()):
        token = forge({"alg": "HS256", "typ": "JWT", "kid": "key-a"}, claims(), "HS256", key)
        refused(verifier(ring), token)


def test_other_asymmetric_algorithms_are_refused(ring: SigningKeyRing) -> None:
    for alg in ("RS512", "PS256"):
        refused(verifier(ring), rs256(ring, "key-a", claims(), alg=alg))


def test_unknown_or_missing_kid_is_refused(ring: SigningKeyRing) -> None:
    token = jwt.encode(claims(), ring.get("key-a").private_key, algorithm="RS256",  # type: ignore[union-attr]
                       headers={"kid": "key-zzz"})
    assert "kid" in refused(verifier(ring), token).detail
    no_kid = jwt.encode(claims(), ring.get("key-a").private_key, algorithm="RS256")  # type: ignore[union-attr]
    refused(verifier(ring), no_kid)


def test_a_foreign_key_under_a_known_kid_is_refused(ring: SigningKeyRing) -> None:
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims(), foreign, algorithm="RS256", headers={"kid": "key-a"})
    refused(verifier(ring), token)


def test_tampered_payload_is_refused(ring: SigningKeyRing) -> None:
    header, _, signature = rs256(ring, "key-a", claims()).split(".")
    payload = b64url(json.dumps(claims(scope="bridge:read bridge:write")).encode())
    refused(verifier(ring), f"{header}.{payload}.{signature}")


@pytest.mark.parametrize("field,value", [("iss", "someone-else"), ("aud", "another-api")])
def test_wrong_issuer_or_audience_is_refused(ring: SigningKeyRing, field: str, value: str) -> None:
    refused(verifier(ring), rs256(ring, "key-a", claims(**{field: value})))


@pytest.mark.parametrize("missing", ["iss", "aud", "sub", "scope", "iat", "nbf", "exp", "jti"])
def test_every_claim_is_required(ring: SigningKeyRing, missing: str) -> None:
    refused(verifier(ring), rs256(ring, "key-a", claims(**{missing: None})))


def test_expired_and_not_yet_valid_tokens_are_refused_beyond_the_leeway(ring: SigningKeyRing) -> None:
    now = int(time.time())
    expired = refused(verifier(ring), rs256(ring, "key-a", claims(now - 4000, exp=now - 60)))
    assert expired.code == "token_expired"
    refused(verifier(ring), rs256(ring, "key-a", claims(now + 60, exp=now + 3660)))  # nbf/iat a minute ahead
    # Within the few seconds of leeway: accepted.
    verifier(ring).verify(rs256(ring, "key-a", claims(now - 3600, exp=now - 2)))
    verifier(ring).verify(rs256(ring, "key-a", claims(now + 2, exp=now + 3602)))


def test_verified_tokens_are_cached_until_they_expire(ring: SigningKeyRing) -> None:
    clock = [time.time()]
    v = verifier(ring, clock=lambda: clock[0])
    token = rs256(ring, "key-a", claims(int(clock[0]), exp=int(clock[0]) + 100))
    first = v.verify(token)
    assert v.verify(token) is first  # served from the cache: the same object, no second RSA verification
    clock[0] += 104
    assert v.verify(token) is first  # still within exp + leeway
    clock[0] += 2
    assert refused(v, token).code == "token_expired"


def test_cache_is_bounded(ring: SigningKeyRing) -> None:
    v = verifier(ring, cache_size=3)
    tokens = [rs256(ring, "key-a", claims(jti=f"j{i}")) for i in range(7)]
    for token in tokens:
        v.verify(token)
    assert len(v._cache) <= 3


def test_key_ring_rules(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="no signing keys"):
        SigningKeyRing.load(directory=str(tmp_path))
    generate_key_file(tmp_path, bits=2048, kid="key-1")
    generate_key_file(tmp_path, bits=2048, kid="key-2")
    assert SigningKeyRing.load(directory=str(tmp_path)).signing_key.kid == "key-2"
    pinned = SigningKeyRing.load(directory=str(tmp_path), signing_kid="key-1")
    assert pinned.signing_key.kid == "key-1" and pinned.kids == ["key-1", "key-2"]
    with pytest.raises(SigningKeyError, match="names no loaded key"):
        SigningKeyRing.load(directory=str(tmp_path), signing_kid="key-9")
    (tmp_path / "weak.pem").write_bytes(rsa.generate_private_key(public_exponent=65537, key_size=1024)
                                        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    with pytest.raises(SigningKeyError, match="at least 2048"):
        SigningKeyRing.load(directory=str(tmp_path))
    (tmp_path / "weak.pem").unlink()
    extra = tmp_path / "elsewhere" / "key-0.pem"
    generate_key_file(extra.parent, bits=2048, kid="key-0")
    both = SigningKeyRing.load(directory=str(tmp_path), files=str(extra))
    assert both.kids == ["key-0", "key-1", "key-2"]
    jwks = both.jwks()["keys"]
    assert [k["kid"] for k in jwks] == both.kids
    assert all(k["kty"] == "RSA" and k["alg"] == "RS256" and k["use"] == "sig" and "d" not in k for k in jwks)
    assert oct(generate_key_file(tmp_path, bits=2048).stat().st_mode & 0o777) == "0o600"


def test_duplicate_kids_are_refused(ring: SigningKeyRing) -> None:
    key: SigningKey = ring.get("key-a")  # type: ignore[assignment]
    with pytest.raises(SigningKeyError, match="share the kid"):
        SigningKeyRing([key, key])
