"""Names, inputs and results of every activity, shared by the workflows and the activity implementations.

Workflows call activities **by name** with these dataclasses, so workflow modules never import the activity
implementations (which import SQLAlchemy, httpx and the gateway — modules the workflow sandbox must not load).
Standard-library dataclasses only; Temporal's default JSON converter serialises them. Free-form parts of a job
result (what changed) are plain JSON dicts, written to ``jobs.result`` as they are.

Business error types (``ApplicationError.type``, non-retryable) are the contract's stable codes, listed here so
workflow code and activity code agree on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# --- business error codes (ApplicationError.type) -------------------------------------------------------------
ERR_PRODUCT_NOT_FOUND = "product_not_found"
ERR_ORDER_NOT_FOUND = "order_not_found"
ERR_NO_ORDER_CARRIER = "order_carrier_not_found"
ERR_INSUFFICIENT_STOCK = "insufficient_stock"
ERR_STOCK_CHANGED_CONCURRENTLY = "stock_changed_concurrently"
ERR_INVALID_TRANSITION = "invalid_transition"
ERR_UNKNOWN_ORDER_STATE = "unknown_order_state"
ERR_ALREADY_EXISTS = "already_exists"
ERR_STORE_VALIDATION = "store_validation_error"
ERR_STORE_AUTH = "store_auth_error"
ERR_STORE_DISABLED = "store_disabled"
ERR_STORE_UNAVAILABLE = "store_unavailable"
"""The store kept failing transiently until the retry policy gave up (recorded as retryable)."""
ERR_STORE_UNEXPECTED = "store_unexpected_answer"
ERR_UNKNOWN_LANGUAGE = "unknown_language"
ERR_INTERNAL = "internal_error"
ERR_ALL_ITEMS_FAILED = "all_items_failed"
ERR_SOME_ITEMS_FAILED = "some_items_failed"

# --- activity names --------------------------------------------------------------------------------------------
START_JOB = "start_job"
"""load_job + mark_job_running in one step (run as a local activity by current workflows)."""
LOAD_JOB = "load_job"
MARK_JOB_RUNNING = "mark_job_running"
MARK_JOB_FINISHED = "mark_job_finished"
CHECK_PRODUCT_UPDATE = "check_product_update"
APPLY_PRODUCT_FIELDS = "apply_product_fields"
CHECK_AND_APPLY_PRODUCT_FIELDS = "check_and_apply_product_fields"
"""check_product_update + apply_product_fields + describe_reindex in one activity (current workflows)."""
APPLY_STOCK_DELTA = "apply_stock_delta"
DESCRIBE_REINDEX = "describe_reindex"
PREPARE_IMPORT_ITEMS = "prepare_import_items"
IMPORT_ITEM = "import_item"
RECORD_ITEM_FAILURE = "record_item_failure"
APPLY_ORDER_STATUS = "apply_order_status"
APPLY_TRACKING_NUMBER = "apply_tracking_number"
PURGE_IDEMPOTENCY_KEYS = "purge_idempotency_keys"


@dataclass(frozen=True)
class StoreRetryTiming:
    """Retry timing of activities that talk to the store: ``initial_seconds``, doubling, at most
    ``maximum_seconds`` apart, ``maximum_attempts`` in all. The worker decides it (tests shorten it)."""

    initial_seconds: float = 1.0
    maximum_seconds: float = 30.0
    maximum_attempts: int = 6


# --- projection ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoadJobInput:
    job_id: str


@dataclass(frozen=True)
class LoadedJob:
    job_id: str
    kind: str
    client_id: str
    status: str
    payload: dict[str, Any]
    batch_id: str | None = None
    import_item_parallelism: int = 10
    """From the worker's settings: how many items of one batch talk to the store at once."""
    store_retry: StoreRetryTiming = field(default_factory=lambda: StoreRetryTiming())
    """From the worker: how store activities retry transient failures."""


@dataclass(frozen=True)
class StartJobInput:
    job_id: str
    attempt: int


@dataclass(frozen=True)
class MarkJobRunningInput:
    job_id: str
    attempt: int


@dataclass(frozen=True)
class JobOutcome:
    """The terminal projection of a job: ``jobs.status`` plus result or error."""

    job_id: str
    status: str
    result: dict[str, Any] | None = None
    error_code: str | None = None
    error_message: str | None = None
    error_retryable: bool | None = None


@dataclass(frozen=True)
class JobStatusResult:
    status: str
    """The status the row holds afterwards (the first terminal outcome stands if one was already written)."""


# --- update_product ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProductUpdateInput:
    job_id: str
    payload: dict[str, Any]
    """The canonical update_product payload (``bridge.jobs.schemas.UpdateProductPayload``)."""


@dataclass(frozen=True)
class ProductCheckResult:
    product_id: int
    stock_quantity: int | None
    allows_backorders: bool


@dataclass(frozen=True)
class ProductFieldsResult:
    price: dict[str, str] | None
    """``{"old": "13.9", "new": "15.5"}`` (tax excluded) when the price was part of the update."""
    seo: dict[str, dict[str, str]] | None
    """The SEO fields written, ``{"meta_title": {"en": "..."}}``."""
    product_written: bool
    """A product PATCH reached the store (so the store re-indexed if its indexation is on)."""
    reindex: ReindexResult | None = None
    """What the write did to the search index (``check_and_apply_product_fields`` only)."""


@dataclass(frozen=True)
class StockDeltaResult:
    before: int
    after: int
    delta: int
    race_window_note: str


@dataclass(frozen=True)
class ReindexInput:
    requested_skip: bool
    product_written: bool


@dataclass(frozen=True)
class ReindexResult:
    requested_skip: bool
    reindexed: bool | None
    note: str


def reindex_report(requested_skip: bool, product_written: bool, enabled: bool | None) -> ReindexResult:
    """What happened to the search index — never claim a skipped re-index that occurred (contract §6).

    ``enabled``: the store's PS_SEARCH_INDEXATION (None: unreadable); not needed when no product was written.
    Pure, so workflows use it too (no store call when nothing was written)."""
    skip_note = (" skip_reindex was requested but PrestaShop's webservice offers no way to skip it."
                 if requested_skip else "")
    if not product_written:
        return ReindexResult(requested_skip, False,
                             "No product record was written (stock lives in a separate record), so PrestaShop "
                             "did not re-index search.")
    if enabled is None:
        return ReindexResult(requested_skip, None,
                             "A product was written; whether PrestaShop re-indexed search is unknown "
                             "(its PS_SEARCH_INDEXATION setting could not be read)." + skip_note)
    if enabled:
        return ReindexResult(requested_skip, True,
                             "PrestaShop re-indexed search: it does so on every product write while "
                             "PS_SEARCH_INDEXATION is on." + skip_note)
    return ReindexResult(requested_skip, False,
                         "PS_SEARCH_INDEXATION is off in the store: product writes do not re-index search.")


# --- import_products ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PrepareImportInput:
    job_id: str
    references: list[str]


@dataclass(frozen=True)
class PrepareImportResult:
    items: int


@dataclass(frozen=True)
class ImportItemInput:
    job_id: str
    item_index: int
    item: dict[str, Any]
    """One canonical item of the import payload (``bridge.jobs.schemas.ImportItem``)."""
    update_existing: bool


@dataclass(frozen=True)
class ImportItemResult:
    item_index: int
    reference: str
    product_id: int
    action: str
    """created | updated"""
    product_written: bool = True


@dataclass(frozen=True)
class RecordItemFailureInput:
    job_id: str
    item_index: int
    code: str
    message: str


@dataclass(frozen=True)
class RecordItemFailureResult:
    recorded: bool = True


# --- update_order_status -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrderStatusInput:
    job_id: str
    payload: dict[str, Any]
    """The canonical update_order_status payload (``bridge.jobs.schemas.UpdateOrderStatusPayload``)."""


@dataclass(frozen=True)
class OrderStatusResult:
    order_id: int
    previous_state: dict[str, Any]
    """``{"id": 2, "name": "Payment accepted", "status": "payment_accepted"}``"""
    new_state: dict[str, Any]
    history_posted: bool
    """False only when a retry found that an earlier attempt's post had already landed."""
    customer_notified: bool


@dataclass(frozen=True)
class TrackingInput:
    job_id: str
    order_id: int
    tracking_number: str
    notify_customer: bool


@dataclass(frozen=True)
class TrackingResult:
    order_carrier_id: int
    tracking_number: str
    previous: str | None
    written: bool


# --- maintenance -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PurgeInput:
    batch_size: int = 1000


@dataclass(frozen=True)
class PurgeResult:
    deleted: int


# --- workflow results --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class JobWorkflowResult:
    job_id: str
    status: str
    error_code: str | None = None
    result: dict[str, Any] | None = field(default=None)
