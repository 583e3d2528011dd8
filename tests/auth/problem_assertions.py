"""Assertions on RFC 9457 problem+json answers, shared by the security tests."""

from __future__ import annotations

from typing import Any

import httpx


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["code"] == code, body
    assert {"type", "title", "detail", "instance", "request_id"} <= set(body), body
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body
