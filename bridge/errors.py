"""The bridge's error hierarchy.

Every failure the API can report is one of these classes. Each carries an HTTP status, a stable machine
``code`` (the contract's section 4 list) and a human ``detail``. They are mapped to RFC 9457
``application/problem+json`` in exactly one place: :mod:`bridge.api.problems`. Nothing here knows about HTTP
frameworks, so services, the gate and repositories can raise them freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class BridgeError(Exception):
    """Base class. Subclasses fix ``status`` and ``title``; instances may override ``code``."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal Server Error"
    default_code: ClassVar[str] = "internal_error"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        errors: list[dict[str, str]] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.headers = dict(headers or {})
        self.errors = errors
        """For 400s: one entry per invalid field, ``{"pointer": "/updates/price_ht", "detail": "..."}``."""
        self.extra = dict(extra or {})
        """Additional problem members (for example the job resource on a failed replay)."""


class BadRequest(BridgeError):
    status, title, default_code = 400, "Bad Request", "bad_request"


class ValidationFailed(BadRequest):
    default_code = "validation_failed"


class Unauthorized(BridgeError):
    status, title, default_code = 401, "Unauthorized", "invalid_token"


class Forbidden(BridgeError):
    status, title, default_code = 403, "Forbidden", "forbidden"


class NotFound(BridgeError):
    status, title, default_code = 404, "Not Found", "not_found"


class MethodNotAllowed(BridgeError):
    status, title, default_code = 405, "Method Not Allowed", "method_not_allowed"


class Conflict(BridgeError):
    status, title, default_code = 409, "Conflict", "conflict"


class PayloadTooLarge(BridgeError):
    status, title, default_code = 413, "Payload Too Large", "payload_too_large"


class UnsupportedMediaType(BridgeError):
    status, title, default_code = 415, "Unsupported Media Type", "unsupported_media_type"


class Unprocessable(BridgeError):
    status, title, default_code = 422, "Unprocessable Content", "unprocessable"


class TooManyRequests(BridgeError):
    status, title, default_code = 429, "Too Many Requests", "rate_limited"


class ServiceUnavailable(BridgeError):
    status, title, default_code = 503, "Service Unavailable", "service_unavailable"
