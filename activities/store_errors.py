"""How activities report failures to their workflow: Temporal ``ApplicationError``\\ s typed by contract code.

- Business failures (the product is gone, the transition is refused, PrestaShop rejected the data) are
  **non-retryable**: retrying cannot change the answer, so the job fails at once with PrestaShop's message.
- Transient store failures (connection refused, timeout, 502/503/504) are **retryable**: the activity's retry
  policy backs off and tries again; when it gives up, the job records ``store_unavailable`` (retryable: an
  operator may re-drive it later).

The gateway's typed errors (``bridge.prestashop.errors``) are mapped in exactly this one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from temporalio.exceptions import ApplicationError

from bridge.prestashop.errors import (
    StoreAuthError,
    StoreDisabled,
    StoreNotFound,
    StoreTransientError,
    StoreUnexpectedError,
    StoreValidationError,
)
from workflows.activity_contracts import (
    ERR_STORE_AUTH,
    ERR_STORE_DISABLED,
    ERR_STORE_UNAVAILABLE,
    ERR_STORE_UNEXPECTED,
    ERR_STORE_VALIDATION,
)


def business_error(code: str, message: str, **details: object) -> ApplicationError:
    """A final failure with the contract's ``code`` as its type; ``details`` travel with it for the operator."""
    return ApplicationError(message, *([details] if details else []), type=code, non_retryable=True)


@contextmanager
def store_errors(*, not_found: tuple[str, str] | None = None) -> Iterator[None]:
    """Translate gateway errors raised inside the block. ``not_found``: (code, message) for a 404, e.g.
    ``("product_not_found", "product 19 does not exist in the store")``; without it a 404 is unexpected."""
    try:
        yield
    except StoreNotFound as exc:
        if not_found is not None:
            raise business_error(*not_found) from None
        raise ApplicationError(str(exc), type=ERR_STORE_UNEXPECTED) from None
    except StoreValidationError as exc:
        raise business_error(ERR_STORE_VALIDATION, f"PrestaShop refused the data: {exc}") from None
    except StoreAuthError as exc:
        raise business_error(ERR_STORE_AUTH, f"the webservice key was refused: {exc}") from None
    except StoreDisabled as exc:
        raise business_error(ERR_STORE_DISABLED, f"the store's webservice is disabled: {exc}") from None
    except StoreTransientError as exc:
        raise ApplicationError(f"the store did not answer in time or was unavailable: {exc}",
                               type=ERR_STORE_UNAVAILABLE) from None
    except StoreUnexpectedError as exc:
        # Retryable (bounded): a 500 from PHP may be a passing failure; effects re-check before writing again.
        raise ApplicationError(f"unexpected answer from the store: {exc}", type=ERR_STORE_UNEXPECTED) from None
