"""The Temporal worker: runs the job workflows and the activities that talk to PrestaShop.

``run_worker(settings)`` connects to Temporal, refuses to start on a database that is not migrated, builds the
gateway, registers every workflow and activity on ``settings.temporal_task_queue``, ensures the hourly
idempotency-key purge schedule, then runs until cancelled or until SIGTERM/SIGINT, when it stops polling and lets
running activities finish (graceful shutdown). ``build_worker`` is the same assembly for tests, which bring their
own client and resources.

Only workflow classes are handed to the worker's sandbox; they import nothing but temporalio, the standard
library and the ``workflows`` contract modules. Activities (SQLAlchemy, httpx) run outside the sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.worker import Worker

from activities import ActivityResources, AfterStoreWrite, all_activities
from bridge.db.engine import create_checked_engine
from bridge.jobs.ledger import EffectLedger
from bridge.jobs.repository import JobRepository
from bridge.observability import JobLogContextInterceptor
from bridge.orders.states import OrderStateCache
from bridge.prestashop import PrestaShopGateway
from bridge.settings import Settings
from workflows.activity_contracts import PurgeInput, StoreRetryTiming
from workflows.import_products import ImportProductsWorkflow
from workflows.purge_idempotency_keys import PurgeIdempotencyKeysWorkflow
from workflows.update_order_status import UpdateOrderStatusWorkflow
from workflows.update_product import UpdateProductWorkflow

logger = logging.getLogger("bridge.worker")

WORKFLOWS = [UpdateProductWorkflow, ImportProductsWorkflow, UpdateOrderStatusWorkflow, PurgeIdempotencyKeysWorkflow]
PURGE_EVERY = timedelta(hours=1)
GRACEFUL_SHUTDOWN = timedelta(seconds=20)
"""On SIGTERM, running activities get this long to finish before they are cancelled (and later retried)."""


def purge_schedule_id(settings: Settings) -> str:
    """One schedule per task queue, so several deployments (or test sessions) can share a namespace."""
    return f"purge-idempotency-keys-{settings.temporal_task_queue}"


def build_worker(client: Client, settings: Settings, resources: ActivityResources) -> Worker:
    return Worker(
        client,
        task_queue=settings.temporal_task_queue,
        workflows=WORKFLOWS,
        activities=all_activities(resources),
        # Enough for one full import batch at its parallelism plus other jobs; the gateway's connection pool
        # (20 by default) is the real bound on concurrent store calls.
        max_concurrent_activities=max(20, settings.import_item_parallelism * 2),
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
        interceptors=[JobLogContextInterceptor()],  # log lines of an activity carry its job id
    )


@contextlib.asynccontextmanager
async def open_worker_resources(
    settings: Settings,
    *,
    after_store_write: AfterStoreWrite | None = None,
    store_retry: StoreRetryTiming | None = None,
) -> AsyncIterator[ActivityResources]:
    """Everything the activities hold for the worker's life; closed on exit. Raises ``DatabaseNotMigrated``."""
    engine = create_checked_engine(settings.mysql_url, pool_size=settings.mysql_pool_size)
    gateway = PrestaShopGateway.from_settings(settings)
    try:
        yield ActivityResources(
            settings=settings,
            jobs=JobRepository(engine),
            ledger=EffectLedger(engine),
            gateway=gateway,
            order_states=OrderStateCache(gateway, ttl_seconds=60),
            after_store_write=after_store_write,
            store_retry=store_retry or StoreRetryTiming(),
        )
    finally:
        await gateway.aclose()
        engine.dispose()


async def ensure_purge_schedule(client: Client, settings: Settings, *, every: timedelta = PURGE_EVERY) -> str:
    """Create the purge schedule, or bring an existing one up to date; returns its id."""
    schedule_id = purge_schedule_id(settings)
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            PurgeIdempotencyKeysWorkflow.run,
            PurgeInput(),
            id=f"{schedule_id}-run",
            task_queue=settings.temporal_task_queue,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    try:
        await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:
        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(replace)
    return schedule_id


async def run_worker(settings: Settings, *, after_store_write: AfterStoreWrite | None = None) -> None:
    """Run until cancelled or SIGTERM/SIGINT; shuts down gracefully either way."""
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    # Activities reach MySQL through asyncio.to_thread. The default executor has min(32, cores + 4) threads — 6
    # here — so 20 concurrent activities queued behind 6 threads for every statement (an import item waited
    # ~0.5 s). One thread per pooled MySQL connection lets every connection be used.
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=max(settings.mysql_pool_size, 8), thread_name_prefix="bridge-io"))
    async with open_worker_resources(settings, after_store_write=after_store_write) as resources:
        await ensure_purge_schedule(client, settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        installed: list[signal.Signals] = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, stop.set)
                installed.append(sig)
            except (NotImplementedError, RuntimeError):  # not the main thread (e.g. inside a test runner)
                pass
        try:
            async with build_worker(client, settings, resources):
                logger.info("worker polling task queue %s", settings.temporal_task_queue)
                await stop.wait()
                logger.info("worker stopping: signal received")
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)

