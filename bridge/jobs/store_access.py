"""What request handlers need when they talk to the store: id parsing and store-error translation.

Used by the synchronous reads (``GET /v1/products/{id}``, ``GET /v1/orders/{id}``) and the accept-time
pre-checks of the write jobs.

The gateway raises typed :mod:`bridge.prestashop.errors`; a request handler must turn them into the contract's
answers without leaking the store's URL, key or raw answer:

* the store unreachable, slow, overloaded (``StoreTransientError``) → 503 ``store_unavailable`` + ``Retry-After``;
* the store's webservice switched off (``StoreDisabled``) or the bridge's key refused (``StoreAuthError``) →
  503 ``store_misconfigured``: the client can do nothing about it, an operator must fix the store or the key;
* an answer the gateway cannot understand (``StoreUnexpectedError``) → 503 ``store_unavailable``.

``StoreNotFound`` and ``StoreValidationError`` are *not* mapped here: what they mean depends on the call (a
missing product is a 404 for a read and a 422 for a pre-check), so callers handle them first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from bridge.errors import BadRequest, ServiceUnavailable
from bridge.prestashop.errors import StoreAuthError, StoreDisabled, StoreError, StoreTransientError

log = logging.getLogger("bridge.store")

STORE_RETRY_AFTER_SECONDS = 5
MISCONFIGURED_RETRY_AFTER_SECONDS = 60
MAX_STORE_ID = 2**31 - 1  # PrestaShop ids are INT(10) UNSIGNED; the webservice casts to a signed int

_POSITIVE_INT = re.compile(r"^[1-9][0-9]{0,9}$")


def parse_store_id(raw: str, name: str) -> int:
    """A PrestaShop object id from a path segment: a positive integer in canonical form, else 400."""
    if not _POSITIVE_INT.match(raw) or int(raw) > MAX_STORE_ID:
        raise BadRequest(
            f"{name} must be a positive integer",
            code="invalid_id",
            errors=[{"pointer": f"/{name}", "detail": f"expected a positive integer <= {MAX_STORE_ID}"}],
        )
    return int(raw)


@contextmanager
def store_errors_as_bridge_errors() -> Iterator[None]:
    """Re-raise gateway errors that escape the block as :class:`~bridge.errors.ServiceUnavailable` (503)."""
    try:
        yield
    except (StoreAuthError, StoreDisabled) as exc:
        # Logged for the operator (class and PrestaShop code only: the message may echo configuration).
        log.error("the store refused the bridge: %s (code %s)", exc.__class__.__name__, exc.code)
        raise ServiceUnavailable(
            "the store refused the bridge's webservice access; an operator must check the store configuration",
            code="store_misconfigured",
            headers={"Retry-After": str(MISCONFIGURED_RETRY_AFTER_SECONDS)},
        ) from None
    except StoreTransientError as exc:
        log.warning("store unavailable: %s (HTTP %s)", exc.__class__.__name__, exc.status)
        raise ServiceUnavailable(
            "the store is unreachable or overloaded; retry later",
            code="store_unavailable",
            headers={"Retry-After": str(STORE_RETRY_AFTER_SECONDS)},
        ) from None
    except StoreError as exc:
        log.error("unexpected store answer: %s (HTTP %s)", exc.__class__.__name__, exc.status)
        raise ServiceUnavailable(
            "the store gave an answer the bridge cannot use; retry later",
            code="store_unavailable",
            headers={"Retry-After": str(STORE_RETRY_AFTER_SECONDS)},
        ) from None
