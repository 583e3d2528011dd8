"""Typed errors of the PrestaShop gateway. Every failure of a store call is one of these.

``retryable`` tells a caller (a Temporal activity) whether trying again later can help: only transient failures
are retryable; a bad key, a missing product or a validation error will fail the same way every time.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class. ``code`` is PrestaShop's own error code when it sent one; ``message`` its message (or ours)."""

    retryable: bool = False

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status  # HTTP status of the store's answer, None when there was no answer

    def __str__(self) -> str:
        parts = [self.message]
        if self.code is not None:
            parts.append(f"(PrestaShop code {self.code})")
        if self.status is not None:
            parts.append(f"[HTTP {self.status}]")
        return " ".join(parts)


class StoreNotFound(StoreError):
    """The object does not exist in the store (404)."""


class StoreAuthError(StoreError):
    """Bad webservice key, inactive key, or a key without permission for the resource/method (401/403/405 code 25).
    A configuration error: fix the key or its permissions in the back office."""


class StoreValidationError(StoreError):
    """The store refused the data (400); ``code`` and ``message`` are PrestaShop's. Also raised before sending
    when the gateway cannot express a value (unknown language, characters XML cannot carry)."""


class StoreDisabled(StoreError):
    """The store's webservice is disabled (503 with code 22): PS_WEBSERVICE must be turned on. Not retryable."""


class StoreTransientError(StoreError):
    """Connection refused or reset, timeout, 502/503/504 (or 429). Retryable.

    ``outcome_unknown`` is True when a write was sent but no answer came back (a timeout or a dropped connection
    after sending): the store may or may not have applied it, so the caller must re-read before writing again.
    """

    retryable = True

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None,
                 outcome_unknown: bool = False) -> None:
        super().__init__(message, code=code, status=status)
        self.outcome_unknown = outcome_unknown


class StoreUnexpectedError(StoreError):
    """An answer the gateway cannot make sense of (a redirect, a 500, a body that is not what was asked)."""
