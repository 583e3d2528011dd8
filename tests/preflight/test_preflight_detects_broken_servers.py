"""The checks are not vacuous: against a server that gets everything wrong, every one of them FAILS.

The "server" is an httpx MockTransport that issues a genuine RS256 token and publishes its key, then accepts
anything: forged tokens, a wrong signature, invalid bodies, and hands out a new job for every replay.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bridge.preflight import FAIL, PreflightConfig, run_preflight
from tests.preflight.test_preflight import EXAMPLES

CLIENT_ID = "cl_permissive"


def permissive_server() -> httpx.MockTransport:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key())) | {"kid": "k1", "alg": "RS256", "use": "sig"}
    request_ids: dict[str, str] = {}

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/oauth/token":
            now = int(time.time())
            token = jwt.encode({"iss": "x", "aud": "y", "sub": CLIENT_ID, "scope": "bridge:read bridge:write",
                                "iat": now, "nbf": now, "exp": now + 3600, "jti": uuid.uuid4().hex},
                               key, algorithm="RS256", headers={"kid": "k1"})
            return httpx.Response(200, json={"access_token": token, "token_type": "Bearer", "expires_in": 3600})
        if path == "/.well-known/jwks.json":
            return httpx.Response(200, json={"keys": [jwk]})
        if path == "/readyz":
            return httpx.Response(200, json={"status": "ready", "dependencies": {"mysql": {"status": "up"},
                                                                                 "redis": {"status": "up"}}})
        if request.method == "POST":  # every write accepted as a brand-new job, whatever its body or request id
            job_id = str(uuid.uuid4())
            request_ids[job_id] = request.headers["x-request-id"]
            return httpx.Response(202, json={"job_id": job_id, "status": "accepted"},
                                  headers={"Location": f"/v1/jobs/{job_id}"})
        if path.startswith("/v1/jobs/"):
            job_id = path.rsplit("/", 1)[1]
            return httpx.Response(200, json={"job_id": job_id, "status": "succeeded", "attempts": 1,
                                             "request_id": request_ids.get(job_id),
                                             "finished_at": "2026-01-01T00:00:00.000Z", "result": None})
        if path.startswith("/v1/products/"):
            return httpx.Response(200, json={"price_ht": "10"})
        return httpx.Response(200, json={})

    return httpx.MockTransport(handle)


async def test_every_check_fails_against_a_server_that_accepts_everything() -> None:
    report = await run_preflight(PreflightConfig(
        api_url="http://bridge.invalid", client_id=CLIENT_ID, client_secret="s", hmac_secret="h", product_id=1,
        examples_file=EXAMPLES, job_timeout=2, transport=permissive_server()))
    by_number = {check.number: check for check in report.checks}
    assert {n: c.status for n, c in by_number.items()} == dict.fromkeys(range(1, 7), FAIL), report.lines()
    assert report.exit_code == 1
    assert "forged tokens were not refused with 401" in by_number[1].reason
    assert "alg none → 200" in by_number[1].reason and "HS256 keyed with the public key (SPKI PEM) → 200" in \
        by_number[1].reason
    assert "one flipped signature digit answered 200" in by_number[2].reason
    assert "update_product: TTC price → 202, expected 400" in by_number[3].reason
    assert "expected 202/200 with job" in by_number[4].reason and "idempotency_key_reused" in by_number[4].reason
    assert "replaying the completed job answered 202" in by_number[5].reason
    assert "replays answered other job ids" in by_number[6].reason


async def test_an_unreachable_api_fails_every_check_with_the_reason() -> None:
    report = await run_preflight(PreflightConfig(
        api_url="http://127.0.0.1:9", client_id=CLIENT_ID, client_secret="s", hmac_secret="h", product_id=1,
        examples_file=EXAMPLES, job_timeout=2, http_timeout=2))
    assert [c.status for c in report.checks] == [FAIL] * 6
    reasons = {c.number: c.reason for c in report.checks}
    assert all("ConnectError" in reasons[n] for n in (1, 2, 3, 4)), report.lines()
    assert "examples.http" in report.checks[1].verified[0]  # the file part of check 2 needs no network
    assert all("check 4 did not create one" in reasons[n] for n in (5, 6))


async def test_the_redis_restart_command_runs_in_a_shell_and_a_failing_one_is_an_error(tmp_path: Path) -> None:
    from bridge.cli.preflight import _restart_hook

    marker = tmp_path / "restarted"
    await _restart_hook(f"touch {marker}", timeout=10)()
    assert marker.exists()
    with pytest.raises(RuntimeError, match="exited 3: no such service"):
        await _restart_hook("echo 'no such service' >&2; exit 3", timeout=10)()


async def test_a_429_is_waited_out_and_the_same_request_resent_freshly_signed() -> None:
    from bridge.auth.signing import body_sha256, canonical_string, sign
    from bridge.preflight.client import PreflightClient

    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(429, json={"code": "rate_limited"}, headers={"Retry-After": "1"})
        return httpx.Response(202, json={"job_id": "j"})

    client = PreflightClient("http://bridge.invalid", CLIENT_ID, "s", "hmac", transport=httpx.MockTransport(handle))
    client.access_token = "t"
    try:
        answer = await client.signed("POST", "/v1/jobs/products/update", json={"a": 1}, request_id="rid-1")
    finally:
        await client.aclose()
    assert answer.status_code == 202 and client.rate_limited_seconds == 1.0
    assert [r.headers["x-request-id"] for r in seen] == ["rid-1", "rid-1"]
    for request in seen:
        canonical = canonical_string("POST", "/v1/jobs/products/update", request.headers["x-timestamp"], "rid-1",
                                     body_sha256(b'{"a":1}'))
        assert request.headers["x-signature"] == sign("hmac", canonical)
