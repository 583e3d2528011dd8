"""Every error the API produces is RFC 9457 problem+json with ``code`` and ``request_id`` — including routing
errors (404, 405) and unexpected exceptions (500, with no stack trace or internal message in the body)."""

from __future__ import annotations

import logging
import uuid

import httpx
import pytest

from tests.auth.conftest import NewSignedClient
from tests.auth.probe_routes import PROBE
from tests.auth.problem_assertions import assert_problem


async def test_unknown_route_is_404_problem(base_url: str) -> None:
    request_id = str(uuid.uuid4())
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.get("/v1/no-such-thing", headers={"X-Request-ID": request_id})
        body = assert_problem(response, 404, "not_found")
        assert body["request_id"] == request_id and body["instance"] == "/v1/no-such-thing"
        assert_problem(await http.get("/nowhere"), 404, "not_found")


async def test_wrong_method_is_405_problem_with_allow(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.delete("/.well-known/jwks.json")
        assert_problem(response, 405, "method_not_allowed")
        assert "GET" in response.headers.get("allow", "")
        response = await http.put(PROBE)
        assert_problem(response, 405, "method_not_allowed")


async def test_unexpected_exception_is_a_generic_500_without_internals(new_signed_client: NewSignedClient,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    client, _ = await new_signed_client()
    request_id = str(uuid.uuid4())
    with caplog.at_level(logging.ERROR):
        response = await client.get(PROBE + "/boom", request_id=request_id)
    body = assert_problem(response, 500, "internal_error")
    assert body["request_id"] == request_id
    for leak in ("hunter2", "RuntimeError", "internal message", "probe_routes", "Traceback", "line "):
        assert leak not in response.text, leak
    assert response.headers["ratelimit-policy"].startswith('"read"')  # passed the gate, failed in the handler


async def test_secrets_never_appear_in_error_answers(new_signed_client: NewSignedClient) -> None:
    client, created = await new_signed_client()
    bad = await client.get(PROBE, headers={"X-Signature": "0" * 64})
    assert_problem(bad, 403, "invalid_signature")
    for secret in (created.client_secret, created.hmac_secret, client.access_token):
        assert secret not in bad.text
