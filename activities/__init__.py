"""Temporal activities: the only code that talks to PrestaShop on behalf of a job.

Activities live in classes holding the worker's resources (:class:`ActivityResources`); their methods are
registered with the worker as bound methods. Each method is async; MySQL calls go through ``asyncio.to_thread``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.jobs import JobActivities
from activities.orders import OrderActivities
from activities.products import ProductActivities
from activities.resources import ActivityResources, AfterStoreWrite


def all_activities(resources: ActivityResources) -> list[Callable[..., Any]]:
    """Every activity the worker registers, bound to ``resources``."""
    jobs = JobActivities(resources)
    products = ProductActivities(resources)
    orders = OrderActivities(resources)
    return [
        jobs.start_job,
        jobs.load_job,
        jobs.mark_job_running,
        jobs.mark_job_finished,
        jobs.prepare_import_items,
        jobs.record_item_failure,
        jobs.purge_idempotency_keys,
        products.check_product_update,
        products.apply_product_fields,
        products.check_and_apply_product_fields,
        products.apply_stock_delta,
        products.describe_reindex,
        products.import_item,
        orders.apply_order_status,
        orders.apply_tracking_number,
    ]


__all__ = ["ActivityResources", "AfterStoreWrite", "all_activities"]
