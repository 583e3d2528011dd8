"""A signing HTTP client for tests and benchmarks: every call carries a token and a valid HMAC signature.

    client = await SignedClient.create(base_url, created.client_id, created.client_secret, created.hmac_secret)
    response = await client.get("/v1/products/1")
    response = await client.post("/v1/jobs/products/update", json={...}, gzip=True)
    await client.aclose()

Each call gets a fresh UUID v4 request id (unless ``request_id`` is given) and the current timestamp (unless
``timestamp`` is given). The URI signed is the exact target sent (path plus raw query). ``headers`` overrides or
adds headers after signing, so tests can break one thing at a time.
"""

from __future__ import annotations

import gzip as gzip_module
import json as json_module
import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from bridge.auth.signing import body_sha256, canonical_string, sign


class SignedClient:
    def __init__(self, http: httpx.AsyncClient, access_token: str, hmac_secret: str) -> None:
        self.http = http
        self.access_token = access_token
        self.hmac_secret = hmac_secret

    @classmethod
    async def create(cls, base_url: str, client_id: str, client_secret: str, hmac_secret: str,
                     scope: str | None = None, *, timeout: float = 30.0) -> SignedClient:
        """Fetch a token with HTTP Basic client authentication and return a client ready to sign calls."""
        http = httpx.AsyncClient(base_url=base_url, timeout=timeout)
        try:
            token = await fetch_token(http, client_id, client_secret, scope)
        except BaseException:
            await http.aclose()
            raise
        return cls(http, token, hmac_secret)

    async def __aenter__(self) -> SignedClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    def signed_headers(self, method: str, target: str, body: bytes, *, request_id: str | None = None,
                       timestamp: int | None = None) -> dict[str, str]:
        request_id = request_id or str(uuid.uuid4())
        timestamp = int(time.time()) if timestamp is None else timestamp
        canonical = canonical_string(method, target, timestamp, request_id, body_sha256(body))
        return {
            "Authorization": f"Bearer {self.access_token}",
            "X-Request-ID": request_id,
            "X-Timestamp": str(timestamp),
            "X-Signature": sign(self.hmac_secret, canonical),
            "Accept": "application/json",
        }

    async def request(self, method: str, target: str, *, body: bytes = b"",
                      headers: Mapping[str, str] | None = None, request_id: str | None = None,
                      timestamp: int | None = None) -> httpx.Response:
        """Send ``body`` (bytes exactly as given) to ``target`` (path + raw query, sent unmodified)."""
        signed = self.signed_headers(method, target, body, request_id=request_id, timestamp=timestamp)
        all_headers = {**signed, **(headers or {})}
        # httpx would normalise a target given as a URL string; build the raw target ourselves so what is
        # signed is byte for byte what goes on the wire.
        url = self.http.base_url.copy_with(raw_path=target.encode("ascii"))
        request = self.http.build_request(method, url, content=body, headers=all_headers)
        return await self.http.send(request)

    async def get(self, target: str, *, headers: Mapping[str, str] | None = None, request_id: str | None = None,
                  timestamp: int | None = None) -> httpx.Response:
        return await self.request("GET", target, headers=headers, request_id=request_id, timestamp=timestamp)

    async def post(self, target: str, json: Any = None, *, content: bytes | None = None, gzip: bool = False,
                   request_id: str | None = None, timestamp: int | None = None,
                   headers: Mapping[str, str] | None = None) -> httpx.Response:
        """POST ``json`` (compact UTF-8) or raw ``content``; ``gzip=True`` compresses and signs the gzip bytes."""
        body = content if content is not None else json_module.dumps(json, separators=(",", ":")).encode()
        base_headers = {"Content-Type": "application/json"}
        if gzip:
            body = gzip_module.compress(body)
            base_headers["Content-Encoding"] = "gzip"
        return await self.request("POST", target, body=body, headers={**base_headers, **(headers or {})},
                                  request_id=request_id, timestamp=timestamp)


async def fetch_token(http: httpx.AsyncClient, client_id: str, client_secret: str,
                      scope: str | None = None) -> str:
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    response = await http.post("/oauth/token", data=data, auth=(client_id, client_secret))
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token
