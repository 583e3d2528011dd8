"""The contracts shared by the HTTP side, the workflows and the activities.

Standard-library dataclasses and constants only (plus temporalio's search-attribute keys), so workflow code
can import this module through the sandbox with ``workflow.unsafe.imports_passed_through()``.

The HTTP layer and the workflow layer meet in exactly two seams:

1. the dispatcher (:mod:`bridge.jobs.dispatcher`) starts ``WORKFLOW_FOR_KIND[job.kind]`` with a
   :class:`JobWorkflowInput` and the id :func:`workflow_id_for` (``job-<job_id>``) for every job row;
2. workflows write the outcome back to the ``jobs`` table through activities (the projection).

Workflows load their payload from MySQL through an activity, so the job row is the one record of intent.
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.common import SearchAttributeKey

# --- job kinds and statuses --------------------------------------------------------------------------------
KIND_UPDATE_PRODUCT = "update_product"
KIND_IMPORT_PRODUCTS = "import_products"
KIND_UPDATE_ORDER_STATUS = "update_order_status"
JOB_KINDS = (KIND_UPDATE_PRODUCT, KIND_IMPORT_PRODUCTS, KIND_UPDATE_ORDER_STATUS)

STATUS_ACCEPTED = "accepted"
STATUS_RUNNING = "running"
STATUS_SUCCEEDED = "succeeded"
STATUS_FAILED = "failed"
STATUS_PARTIALLY_SUCCEEDED = "partially_succeeded"
TERMINAL_STATUSES = (STATUS_SUCCEEDED, STATUS_FAILED, STATUS_PARTIALLY_SUCCEEDED)

# --- workflows ---------------------------------------------------------------------------------------------
WORKFLOW_FOR_KIND = {
    KIND_UPDATE_PRODUCT: "UpdateProductWorkflow",
    KIND_IMPORT_PRODUCTS: "ImportProductsWorkflow",
    KIND_UPDATE_ORDER_STATUS: "UpdateOrderStatusWorkflow",
}


def workflow_id_for(job_id: str) -> str:
    """The workflow id is derived from the job, so a second start for the same job is rejected by Temporal."""
    return f"job-{job_id}"


@dataclass(frozen=True)
class JobWorkflowInput:
    """Input of every job workflow: the job row holds the payload."""

    job_id: str
    kind: str
    client_id: str


# --- search attributes (registered on the dev server and in docker/) ---------------------------------------
SA_JOB_KIND = SearchAttributeKey.for_keyword("BridgeJobKind")
SA_CLIENT_ID = SearchAttributeKey.for_keyword("BridgeClientId")
SA_BATCH_ID = SearchAttributeKey.for_keyword("BridgeBatchId")
SA_JOB_STATUS = SearchAttributeKey.for_keyword("BridgeJobStatus")
SEARCH_ATTRIBUTE_NAMES = ("BridgeJobKind", "BridgeClientId", "BridgeBatchId", "BridgeJobStatus")
