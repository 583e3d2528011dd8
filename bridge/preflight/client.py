"""A small signing HTTP client for ``bridge preflight`` (httpx, async), built on :mod:`bridge.auth.signing`.

Every ``/v1`` call is signed over the exact request target sent. Callers may override the token, the
signature, the request id or the timestamp so a check can break exactly one thing. A 429 is waited out
(``Retry-After``) and the same request re-sent with a fresh timestamp — the rate limit sits before the
idempotency layer and a refused read does not burn its id, so re-sending is safe.
"""

from __future__ import annotations

import asyncio
import json as json_module
import time
import uuid
from typing import Any

import httpx

from bridge.auth.signing import body_sha256, canonical_string, sign

PROBLEM_JSON = "application/problem+json"


def new_request_id() -> str:
    return str(uuid.uuid4())


def compact_json(value: Any) -> bytes:
    return json_module.dumps(value, separators=(",", ":")).encode("utf-8")


def problem_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def describe(response: httpx.Response) -> str:
    """``403 invalid_signature`` / ``200``: the status and, for a problem document, its code."""
    code = problem_code(response) if response.status_code >= 400 else None
    return f"{response.status_code} {code}" if code else str(response.status_code)


class PreflightClient:
    def __init__(self, api_url: str, client_id: str, client_secret: str, hmac_secret: str, *,
                 timeout: float = 15.0, max_rate_limit_wait: float = 65.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.http = httpx.AsyncClient(base_url=api_url.rstrip("/"), timeout=timeout, transport=transport)
        self.prefix = self.http.base_url.raw_path.decode("ascii").rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.hmac_secret = hmac_secret
        self.access_token: str | None = None
        self.max_rate_limit_wait = max_rate_limit_wait
        self.rate_limited_seconds = 0.0

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request_token(self) -> httpx.Response:
        """``POST /oauth/token`` with HTTP Basic client authentication; remembers the token on success."""
        response = await self.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                                        auth=(self.client_id, self.client_secret),
                                        headers={"Accept": "application/json"})
        if response.status_code == 200:
            token = response.json().get("access_token")
            if isinstance(token, str):
                self.access_token = token
        return response

    async def get_plain(self, path: str) -> httpx.Response:
        """An unsigned GET (``/.well-known/jwks.json``, ``/readyz``)."""
        return await self.http.get(path, headers={"Accept": "application/json"})

    def signature_for(self, method: str, target: str, body: bytes, request_id: str, timestamp: int,
                      secret: str | None = None) -> str:
        canonical = canonical_string(method, target, timestamp, request_id, body_sha256(body))
        return sign(self.hmac_secret if secret is None else secret, canonical)

    async def signed(self, method: str, path: str, *, body: bytes = b"", json: Any = None,
                     request_id: str | None = None, timestamp: int | None = None, token: str | None = None,
                     signature: str | None = None) -> httpx.Response:
        """Send one signed request to ``path`` (path plus raw query, sent and signed byte for byte)."""
        if json is not None:
            body = compact_json(json)
        request_id = request_id or new_request_id()
        target = self.prefix + path
        waited = 0.0
        while True:
            ts = int(time.time()) if timestamp is None else timestamp
            headers = {
                "Authorization": f"Bearer {token if token is not None else self.access_token}",
                "X-Request-ID": request_id,
                "X-Timestamp": str(ts),
                "X-Signature": signature or self.signature_for(method, target, body, request_id, ts),
                "Accept": "application/json",
            }
            if method.upper() != "GET":
                headers["Content-Type"] = "application/json"
            url = self.http.base_url.copy_with(raw_path=target.encode("ascii"))
            response = await self.http.send(self.http.build_request(method, url, content=body, headers=headers))
            if response.status_code != 429 or timestamp is not None:
                return response
            delay = _retry_after(response)
            if waited + delay > self.max_rate_limit_wait:
                return response
            waited += delay
            self.rate_limited_seconds += delay
            await asyncio.sleep(delay)


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(1.0, float(response.headers.get("retry-after", "1")))
    except ValueError:
        return 1.0
