"""``POST /oauth/token`` and ``GET /.well-known/jwks.json`` over real HTTP (RFC 6749 client credentials)."""

from __future__ import annotations

import httpx
import jwt
import pytest

from bridge.clients import ClientRegistry, CreatedClient
from tests.auth.problem_assertions import assert_problem


@pytest.fixture
async def http(base_url: str):
    async with httpx.AsyncClient(base_url=base_url) as client:
        yield client


@pytest.fixture(scope="module")
def client(registry: ClientRegistry) -> CreatedClient:
    return registry.create(name="token tests")


async def test_basic_auth_issues_an_rs256_token_verifiable_with_the_jwks(http: httpx.AsyncClient,
                                                                         client: CreatedClient) -> None:
    response = await http.post("/oauth/token", data={"grant_type": "client_credentials"},
                               auth=(client.client_id, client.client_secret))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "bridge:read bridge:write"
    jwks = (await http.get("/.well-known/jwks.json")).json()
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "RS256"
    key = jwt.PyJWK({k: v for k, v in next(k for k in jwks["keys"] if k["kid"] == header["kid"]).items()})
    claims = jwt.decode(body["access_token"], key, algorithms=["RS256"], audience="prestashop-bridge-api")
    assert claims["sub"] == client.client_id and claims["iss"] == "prestashop-bridge"
    assert claims["exp"] - claims["iat"] == 3600


async def test_form_credentials_and_scope_narrowing(http: httpx.AsyncClient, client: CreatedClient) -> None:
    response = await http.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "bridge:read",
                                                     "client_id": client.client_id,
                                                     "client_secret": client.client_secret})
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "bridge:read"
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["scope"] == "bridge:read"


async def test_a_scope_the_client_does_not_have_is_invalid_scope(http: httpx.AsyncClient,
                                                                  registry: ClientRegistry) -> None:
    reader = registry.create(name="reader", scopes="bridge:read")
    response = await http.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "bridge:write"},
                               auth=(reader.client_id, reader.client_secret))
    body = assert_problem(response, 400, "invalid_scope")
    assert body["error"] == "invalid_scope" and body["error_description"]


@pytest.mark.parametrize("credentials", ["wrong-secret", "unknown-client"])
async def test_bad_credentials_are_invalid_client(http: httpx.AsyncClient, client: CreatedClient,
                                                  credentials: str) -> None:
    auth = (client.client_id, "cs_wrong") if credentials == "wrong-secret" else ("cl_nobody", client.client_secret)
    response = await http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=auth)
    body = assert_problem(response, 401, "invalid_client")
    assert body["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")
    assert client.client_secret not in response.text


async def test_disabled_client_gets_no_token(http: httpx.AsyncClient, registry: ClientRegistry) -> None:
    created = registry.create(name="to disable")
    registry.disable(created.client_id)
    response = await http.post("/oauth/token", data={"grant_type": "client_credentials"},
                               auth=(created.client_id, created.client_secret))
    assert_problem(response, 401, "invalid_client")


async def test_rfc6749_request_errors(http: httpx.AsyncClient, client: CreatedClient) -> None:
    auth = (client.client_id, client.client_secret)
    r = await http.post("/oauth/token", data={"grant_type": "password"}, auth=auth)
    assert_problem(r, 400, "unsupported_grant_type")
    r = await http.post("/oauth/token", data={}, auth=auth)
    assert_problem(r, 400, "invalid_request")
    r = await http.post("/oauth/token", json={"grant_type": "client_credentials"}, auth=auth)
    assert_problem(r, 400, "invalid_request")
    r = await http.post("/oauth/token", data={"grant_type": "client_credentials",
                                              "client_secret": client.client_secret}, auth=auth)
    assert_problem(r, 400, "invalid_request")  # two client authentication methods at once
    r = await http.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert_problem(r, 401, "invalid_client")
    r = await http.post("/oauth/token", content=b"grant_type=client_credentials&grant_type=client_credentials",
                        headers={"Content-Type": "application/x-www-form-urlencoded"}, auth=auth)
    assert_problem(r, 400, "invalid_request")


async def test_jwks_lists_every_active_key_without_private_parts(http: httpx.AsyncClient) -> None:
    response = await http.get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys and all({"kid", "kty", "n", "e", "alg", "use"} <= set(k) for k in keys)
    assert not any(private in k for k in keys for private in ("d", "p", "q", "dp", "dq", "qi"))


async def test_repeated_failures_from_one_address_are_refused_before_argon2(
        api_settings, private_redis, registry: ClientRegistry) -> None:
    """Failures are counted per source address (successes are not); past the limit even correct credentials
    wait for the window, because the check runs before the (slow) secret verification."""
    from tests.auth.probe_routes import register_probe_routes
    from tests.support.api_server import ThreadedApiServer

    server = ThreadedApiServer(api_settings.replace(redis_url=private_redis.url, token_failures_per_minute=2),
                               configure=register_probe_routes).start()
    try:
        created = registry.create(name="failures")
        good = (created.client_id, created.client_secret)
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            form = {"grant_type": "client_credentials"}
            for _ in range(3):  # successes are not counted
                assert (await http.post("/oauth/token", data=form, auth=good)).status_code == 200
            for _ in range(2):
                assert_problem(await http.post("/oauth/token", data=form, auth=(created.client_id, "cs_bad")),
                               401, "invalid_client")
            refused = await http.post("/oauth/token", data=form, auth=good)
            assert_problem(refused, 429, "rate_limited")
            assert 1 <= int(refused.headers["retry-after"]) <= 60
    finally:
        server.stop()
