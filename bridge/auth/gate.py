"""The gate every ``/v1`` request passes before any handler runs (CONTRACT.md §3 "Order of checks", §4).

Checks, in the contract's order, each with its status and ``code``:

1. size — ``Content-Length`` above the ceiling → 413 ``payload_too_large``
2. ``Authorization: Bearer <RS256 JWT>`` → 401 (``missing_token``, ``invalid_token``, ``token_expired``,
   ``inactive_client``)
3. scope (GET needs ``bridge:read``, anything else ``bridge:write``) → 403 ``insufficient_scope``; the client's
   allowed source networks → 403 ``network_not_allowed``
4. ``X-Request-ID`` (UUID v4), ``X-Timestamp`` (unix seconds), ``X-Signature`` (64 hex) present and well
   formed → 400 ``invalid_headers`` with one ``errors`` entry per header
5. timestamp window (±``signature_window_seconds``) → 403 ``timestamp_out_of_window``
6. HMAC signature over the canonical string (body read here, bounded: → 413) → 403 ``invalid_signature``
7. rate limit (and a read's single-use request id) → 429 ``rate_limited`` with ``Retry-After``,
   403 ``replayed_request``, or 503 ``redis_unavailable`` for a write while Redis is down
8. decoding — gzip (413 past the ceiling, 400 ``invalid_gzip``), ``gzip_required`` (415), other codings (415),
   non-JSON writes (415)

On success the caller is stored as ``scope["state"]["client"]`` (:class:`bridge.auth.AuthenticatedClient`), the
decoded body replaces the ASGI body (so ``await request.body()`` returns JSON bytes), and every answer carries
``RateLimit-Policy``/``RateLimit``. Failures are raised as :mod:`bridge.errors` and rendered by
:mod:`bridge.api.problems` — the gate never builds responses itself.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from bridge.auth import CLIENT_STATE_KEY, SCOPE_READ, SCOPE_WRITE, AuthenticatedClient
from bridge.auth.client_directory import ClientDirectory
from bridge.auth.rate_limit import RateDecision, RateLimiter, RequestClass, Verdict
from bridge.auth.signing import body_sha256, canonical_string, signature_matches, within_window
from bridge.auth.tokens import WWW_AUTHENTICATE_INVALID, TokenVerifier, invalid_token
from bridge.auth.transport import check_json_content_type, decode_body, too_large
from bridge.errors import BadRequest, BridgeError, Forbidden, ServiceUnavailable, TooManyRequests, Unauthorized
from bridge.observability import request_id_var
from bridge.settings import Settings

GATED_PREFIX = "/v1/"
READ_METHODS = frozenset({"GET", "HEAD"})
REDIS_UNAVAILABLE_RETRY_AFTER_SECONDS = 5

_UUID4 = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")


def is_gated(path: str) -> bool:
    return path.startswith(GATED_PREFIX) or path == GATED_PREFIX.rstrip("/")


def request_target(scope: Scope) -> str:
    """The URI of the canonical string: the raw path and raw query exactly as sent (no decoding, no sorting).

    ASGI servers give the undecoded path in ``raw_path`` (without the query) and the query in ``query_string``.
    Bytes are mapped 1:1 to characters (latin-1), so nothing is re-encoded.
    """
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    query = scope.get("query_string") or b""
    return raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")


class Admission:
    """What the gate decided for one request: the caller, the decoded body, and the rate-limit headers."""

    __slots__ = ("client", "body", "rate_headers")

    def __init__(self, client: AuthenticatedClient, body: bytes, rate_headers: dict[str, str]) -> None:
        self.client, self.body, self.rate_headers = client, body, rate_headers


class Gate:
    """The checks themselves, independent of the web framework; built once per API process."""

    def __init__(self, settings: Settings, *, verifier: TokenVerifier, clients: ClientDirectory,
                 limiter: RateLimiter, clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._verifier = verifier
        self._clients = clients
        self._limiter = limiter
        self._clock = clock

    async def admit(self, scope: Scope, receive: Receive) -> Admission:
        settings = self._settings
        headers = _headers_of(scope)
        method = scope["method"].upper()

        # 1. size, from the declared length (a chunked body is bounded while it is read, step 6).
        declared = headers.get("content-length")
        if declared is not None:
            if not (declared.isascii() and declared.isdigit()):
                raise BadRequest("Content-Length is not a number", code="invalid_headers",
                                 errors=[{"pointer": "/headers/content-length", "detail": "not a number"}])
            if int(declared) > settings.max_body_bytes:
                raise too_large(settings.max_body_bytes)

        # 2. Authorization.
        authorization = headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("send Authorization: Bearer <access token> (get one from POST /oauth/token)",
                               code="missing_token", headers={"WWW-Authenticate": "Bearer"})
        claims = self._verifier.verify(token.strip())
        record = await self._clients.get(claims.client_id)
        if record is None:
            raise invalid_token("the access token's client does not exist")
        if not record.active:
            raise Unauthorized("this client is disabled", code="inactive_client", headers=WWW_AUTHENTICATE_INVALID)

        # 3. scope and source network.
        request_class = RequestClass.READ if method in READ_METHODS else RequestClass.WRITE
        needed = SCOPE_READ if request_class is RequestClass.READ else SCOPE_WRITE
        granted = claims.scopes & record.scopes  # a scope removed from the client since issuance no longer counts
        if needed not in granted:
            raise Forbidden(f"this request needs the {needed} scope", code="insufficient_scope",
                            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{needed}"'})
        client_address = (scope.get("client") or (None,))[0]
        if not record.allows_address(client_address):
            raise Forbidden("this client may not call from this network address", code="network_not_allowed")

        # 4. signing headers present and well formed.
        request_id = headers.get("x-request-id", "")
        timestamp = headers.get("x-timestamp", "")
        signature = headers.get("x-signature", "")
        errors = []
        if not _UUID4.fullmatch(request_id):
            errors.append({"pointer": "/headers/x-request-id",
                           "detail": "missing" if not request_id else "must be a UUID version 4"})
        if not _TIMESTAMP.fullmatch(timestamp):
            errors.append({"pointer": "/headers/x-timestamp",
                           "detail": "missing" if not timestamp else "must be unix time in whole seconds"})
        if not _SIGNATURE.fullmatch(signature):
            errors.append({"pointer": "/headers/x-signature",
                           "detail": "missing" if not signature else "must be 64 hexadecimal characters"})
        if errors:
            raise BadRequest("required signing headers are missing or malformed", code="invalid_headers",
                             errors=errors)

        # 5. timestamp window.
        if not within_window(int(timestamp), self._clock(), settings.signature_window_seconds):
            raise Forbidden(f"X-Timestamp is more than {settings.signature_window_seconds} s away from the "
                            "server's clock", code="timestamp_out_of_window")

        # 6. signature over the bytes on the wire.
        body = await _read_body(receive, settings.max_body_bytes)
        canonical = canonical_string(method, request_target(scope), timestamp, request_id, body_sha256(body))
        if not signature_matches(record.hmac_secrets, canonical, signature):
            raise Forbidden("X-Signature does not match the request (check the canonical string with "
                            "`bridge sign`)", code="invalid_signature")

        # 7. rate limit, with a read's request id made single-use.
        limit = (record.reads_per_minute or settings.rate_limit_reads_per_minute
                 if request_class is RequestClass.READ
                 else record.writes_per_minute or settings.rate_limit_writes_per_minute)
        normalized_id = request_id.lower()
        decision = await self._limiter.admit(
            record.client_id, request_class, limit,
            request_id=normalized_id if request_class is RequestClass.READ else None,
        )
        _raise_unless_admitted(decision)
        rate_headers = decision.headers()

        # 8. decoding and media type; errors from here on still carry the rate-limit headers.
        try:
            decoded = decode_body(body, headers.get("content-encoding", ""), max_bytes=settings.max_body_bytes,
                                  gzip_required_above=settings.gzip_required_above_bytes)
            if request_class is RequestClass.WRITE:
                check_json_content_type(headers.get("content-type", ""))
        except BridgeError as error:
            error.headers = {**rate_headers, **error.headers}
            raise
        return Admission(AuthenticatedClient(record.client_id, frozenset(granted), normalized_id), decoded,
                         rate_headers)


def _raise_unless_admitted(decision: RateDecision) -> None:
    if decision.verdict is Verdict.ADMITTED:
        return
    if decision.verdict is Verdict.REPLAYED:
        raise Forbidden("this X-Request-ID was already used by a read within the signature window; "
                        "sign every read with a fresh request id", code="replayed_request")
    if decision.verdict is Verdict.REDIS_UNAVAILABLE:
        raise ServiceUnavailable("writes are paused while the bridge's Redis is unreachable; reads still work",
                                 code="redis_unavailable",
                                 headers={"Retry-After": str(REDIS_UNAVAILABLE_RETRY_AFTER_SECONDS)})
    raise TooManyRequests(f"more than {decision.limit} {decision.request_class.value}s per minute",
                          code="rate_limited",
                          headers={**decision.headers(), "Retry-After": str(decision.reset_seconds)})


def _headers_of(scope: Scope) -> dict[str, str]:
    """Request headers by lower-case name; the first occurrence of a repeated header wins."""
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        key = name.decode("latin-1").lower()
        if key not in headers:
            headers[key] = value.decode("latin-1")
    return headers


async def _read_body(receive: Receive, limit: int) -> bytes:
    """The whole body, refusing (413) as soon as more than ``limit`` bytes arrived — never reads past it."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BadRequest("the client disconnected before sending the whole body", code="client_disconnected")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class SecurityGateMiddleware(ASGIMiddleware):
    """Installs :class:`Gate` in front of every ``/v1/...`` route handler.

    The gate itself lives in the process's resources (``app.state.resources.auth.gate``), built by the
    lifespan, because it needs Redis and MySQL, which are opened only at start-up.
    """

    def __init__(self, gate_of: Callable[[Scope], Gate]) -> None:
        self._gate_of = gate_of

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != "http" or not is_gated(scope["path"]):
            await next_app(scope, receive, send)
            return
        admission = await self._gate_of(scope).admit(scope, receive)
        scope.setdefault("state", {})[CLIENT_STATE_KEY] = admission.client
        # Every log line written while this request is handled carries its (validated) request id.
        request_id_var.set(admission.client.request_id)
        _replace_body_headers(scope, len(admission.body))
        await next_app(scope, _replay_body(admission.body, receive), _with_headers(send, admission.rate_headers))


def _replace_body_headers(scope: Scope, length: int) -> None:
    """The handler sees the decoded body: drop ``Content-Encoding`` and state its real length."""
    kept = [(k, v) for k, v in scope["headers"] if k.lower() not in (b"content-encoding", b"content-length")]
    if length or scope["method"].upper() not in READ_METHODS:
        kept.append((b"content-length", str(length).encode("ascii")))
    scope["headers"] = kept


def _replay_body(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: disconnect notifications, as usual

    return replay


def _with_headers(send: Send, extra: dict[str, str]) -> Send:
    encoded = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *encoded]}
        await send(message)

    return send_with_headers


__all__ = ["Admission", "Gate", "SecurityGateMiddleware", "is_gated", "request_target"]
