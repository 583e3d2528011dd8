"""``POST /oauth/token`` (RFC 6749 client credentials) and ``GET /.well-known/jwks.json``.

Token errors follow RFC 6749 §5.2: the problem+json body (rendered by :mod:`bridge.api.problems`) also carries
the OAuth ``error`` and ``error_description`` members, so standard OAuth client libraries understand it.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qs, unquote_plus

import anyio.to_thread
from litestar import Controller, Request, Response, get, post

from bridge.auth.rate_limit import RequestClass
from bridge.auth.services import AuthServices
from bridge.clients.registry import ClientRecord
from bridge.errors import BadRequest, BridgeError, TooManyRequests, Unauthorized

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def auth_services_of(request: Request[Any, Any, Any]) -> AuthServices:
    services: AuthServices = request.app.state.resources.auth
    return services


def oauth_error(error: str, description: str, *, basic: bool = False) -> BridgeError:
    """An RFC 6749 §5.2 error as a bridge error: 401 for ``invalid_client``, 400 otherwise."""
    extra = {"error": error, "error_description": description}
    if error == "invalid_client":
        headers = {**NO_STORE, "WWW-Authenticate": 'Basic realm="prestashop-bridge"'} if basic else NO_STORE
        return Unauthorized(description, code=error, headers=headers, extra=extra)
    return BadRequest(description, code=error, headers=NO_STORE, extra=extra)


def client_credentials_of(authorization: str | None, form: dict[str, list[str]]) -> tuple[str, str, bool]:
    """``(client_id, client_secret, used_basic)`` from HTTP Basic (preferred) or the form fields.

    RFC 6749 §2.3.1: Basic credentials are form-url-encoded before base64, so they are decoded after it; a
    request must not use both methods.
    """
    form_id, form_secret = form.get("client_id", [""])[0], form.get("client_secret", [""])[0]
    if authorization and authorization[:6].lower() == "basic ":
        if form_secret:
            raise oauth_error("invalid_request", "authenticate the client with Basic or with form fields, not both")
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise oauth_error("invalid_client", "malformed Basic credentials", basic=True) from None
        client_id, sep, secret = decoded.partition(":")
        if not sep:
            raise oauth_error("invalid_client", "malformed Basic credentials", basic=True)
        return unquote_plus(client_id), unquote_plus(secret), True
    if not form_id or not form_secret:
        raise oauth_error("invalid_client", "client authentication is required (HTTP Basic or client_id and "
                          "client_secret form fields)", basic=True)
    return form_id, form_secret, False


async def _refuse_if_failing_too_often(services: AuthServices, request: Request[Any, Any, Any]) -> str:
    """Each attempt costs an argon2 verification (tens of ms of CPU by design). A source address that failed
    too often this minute is refused before that work, which stops both secret guessing and CPU exhaustion with
    bad credentials; legitimate clients, which succeed, are never counted. Returns the counter's subject."""
    settings = request.app.state.resources.settings
    subject = f"ip:{request.client.host if request.client else 'unknown'}"
    refusal = await services.limiter.exhausted(subject, RequestClass.TOKEN_FAILURE, settings.token_failures_per_minute)
    if refusal is not None:
        raise TooManyRequests(
            f"too many failed token requests from this address; retry in {refusal.reset_seconds} s",
            code="rate_limited", headers={**NO_STORE, "Retry-After": str(refusal.reset_seconds)},
        )
    return subject


class OAuthController(Controller):
    include_in_schema = True
    tags = ["oauth"]

    @post("/oauth/token", status_code=200, summary="Issue an access token (client credentials)")
    async def token(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise oauth_error("invalid_request", "the token request must be application/x-www-form-urlencoded")
        body = await request.body()
        if len(body) > 8192:
            raise oauth_error("invalid_request", "the token request is too large")
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise oauth_error("invalid_request", "the token request is not UTF-8") from None
        for name, values in form.items():
            if len(values) > 1:  # RFC 6749 §3.2: parameters must not be repeated
                raise oauth_error("invalid_request", f"the {name} parameter is repeated")
        client_id, client_secret, basic = client_credentials_of(request.headers.get("authorization"), form)
        grant_type = form.get("grant_type", [""])[0]
        if not grant_type:
            raise oauth_error("invalid_request", "grant_type is required")
        services = auth_services_of(request)
        subject = await _refuse_if_failing_too_often(services, request)
        # argon2 verification is deliberately slow (and the registry is synchronous): off the event loop.
        record: ClientRecord | None = await anyio.to_thread.run_sync(
            services.registry.authenticate, client_id, client_secret
        )
        if record is None:
            settings = request.app.state.resources.settings
            await services.limiter.admit(subject, RequestClass.TOKEN_FAILURE, settings.token_failures_per_minute)
            raise oauth_error("invalid_client", "unknown client, wrong secret, or disabled client", basic=basic)
        if grant_type != "client_credentials":
            raise oauth_error("unsupported_grant_type", "only grant_type=client_credentials is supported")
        requested = form.get("scope", [""])[0].split()
        if requested:
            unknown = set(requested) - record.scopes
            if unknown:
                raise oauth_error("invalid_scope",
                                  f"scope(s) not granted to this client: {' '.join(sorted(unknown))}")
            scopes = frozenset(requested)
        else:
            scopes = record.scopes
        issued = services.issuer.issue(record.client_id, scopes)
        return Response(
            {"access_token": issued.access_token, "token_type": "Bearer", "expires_in": issued.expires_in,
             "scope": issued.scope},
            headers=NO_STORE,
        )

    @get("/.well-known/jwks.json", summary="Public keys that verify access tokens")
    async def jwks(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        return Response(auth_services_of(request).keys.jwks(), headers={"Cache-Control": "public, max-age=300"})
