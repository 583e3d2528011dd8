"""Fixtures of the workflow, activity and fault suites (tests/workflows, tests/activities, tests/faults).

A real worker (``bridge.worker.build_worker``) runs in this process against the session's MySQL, Temporal dev
server and store simulator, on a task queue of its own. Jobs are inserted with ``JobRepository.insert`` and their
workflows started with the Temporal client directly, as the dispatcher would. The only stand-in is the store
simulator; ``store_writes`` is the test-only fault hook the worker's activities receive through their
constructor (never global state).

Imported by each area's ``conftest.py`` (``from tests.workflows.worker_fixtures import *``).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, insert
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from bridge.db.engine import create_db_engine
from bridge.db.schema import clients
from bridge.jobs.ledger import EffectLedger
from bridge.jobs.repository import JobRecord, JobRepository, NewJob, utc_now
from bridge.settings import Settings
from bridge.store_simulator import SimulatorAdmin
from bridge.worker import build_worker, open_worker_resources
from workflows.activity_contracts import JobWorkflowResult, StoreRetryTiming
from workflows.contracts import (
    SA_BATCH_ID,
    SA_CLIENT_ID,
    SA_JOB_KIND,
    WORKFLOW_FOR_KIND,
    JobWorkflowInput,
    workflow_id_for,
)

TEST_STORE_RETRY = StoreRetryTiming(initial_seconds=0.2, maximum_seconds=1.0, maximum_attempts=3)
"""Shorter than production (1 s … 30 s, 6 attempts) so exhausted-retry tests take seconds, not minutes."""


class InjectedFailure(RuntimeError):
    """Raised by the fault hook after a store write succeeded (a crash between the write and its record)."""


@dataclass
class StoreWriteFaults:
    """The worker's ``after_store_write`` hook: fails chosen effects right after their store write landed.

    ``fail_after_write("stock", times=1)`` makes the next write of effect ``stock`` raise once, so Temporal retries
    an activity whose effect already happened.
    """

    plan: dict[str, int] = field(default_factory=dict)
    side_effects: dict[str, Callable[[], None]] = field(default_factory=dict)
    fired: list[tuple[str, str]] = field(default_factory=list)

    def fail_after_write(self, effect_key: str, *, times: int = 1, then: Callable[[], None] | None = None) -> None:
        """Fail the next ``times`` writes of ``effect_key``; ``then`` runs first (e.g. a change behind the back)."""
        self.plan[effect_key] = times
        if then is not None:
            self.side_effects[effect_key] = then

    def clear(self) -> None:
        self.plan.clear()
        self.side_effects.clear()
        self.fired.clear()

    def __call__(self, job_id: str, effect_key: str) -> None:
        remaining = self.plan.get(effect_key, 0)
        if remaining > 0:
            self.plan[effect_key] = remaining - 1
            self.fired.append((job_id, effect_key))
            if effect_key in self.side_effects:
                self.side_effects[effect_key]()
            raise InjectedFailure(f"injected failure after the store write of {effect_key}")


@pytest.fixture(scope="session")
def worker_settings(bridge_settings: Settings) -> Settings:
    return bridge_settings.replace(
        temporal_task_queue=f"{bridge_settings.temporal_task_queue}-workflows", import_item_parallelism=10
    )


@pytest.fixture(scope="session")
def worker_engine(worker_settings: Settings) -> Iterator[Engine]:
    engine = create_db_engine(worker_settings.mysql_url, pool_size=4)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def jobs_repo(worker_engine: Engine) -> JobRepository:
    return JobRepository(worker_engine)


@pytest.fixture(scope="session")
def ledger(worker_engine: Engine) -> EffectLedger:
    return EffectLedger(worker_engine)


@pytest.fixture(scope="session")
def worker_client_id(worker_engine: Engine) -> str:
    """A row in ``clients`` for jobs to belong to (jobs.client_id is a foreign key)."""
    client_id = f"wf-{uuid.uuid4().hex[:8]}"
    now = utc_now()
    with worker_engine.begin() as conn:
        conn.execute(insert(clients).values(
            client_id=client_id, name="workflow tests", secret_hash="unused", hmac_secret_enc="unused",
            scopes="bridge:read bridge:write", active=True, created_at=now, updated_at=now,
        ))
    return client_id


@pytest.fixture(scope="session")
async def wf_temporal_client(temporal_address: str) -> Client:
    return await Client.connect(temporal_address)


# Each area's conftest imports these fixtures, so pytest sees one definition per directory. The worker and its
# fault hook must still be one per session (two workers on one task queue would share the activities at random),
# so they live in the session's stash and later definitions reuse them.
_SHARED = pytest.StashKey[dict[str, Any]]()


def _shared(request: pytest.FixtureRequest) -> dict[str, Any]:
    return request.config.stash.setdefault(_SHARED, {})


@pytest.fixture(scope="session")
def store_write_faults(request: pytest.FixtureRequest) -> StoreWriteFaults:
    return _shared(request).setdefault("faults", StoreWriteFaults())


@pytest.fixture(scope="session")
async def running_worker(
    request: pytest.FixtureRequest, wf_temporal_client: Client, worker_settings: Settings,
    store_write_faults: StoreWriteFaults,
) -> AsyncIterator[None]:
    shared = _shared(request)
    if shared.get("worker_running"):
        yield
        return
    shared["worker_running"] = True
    async with open_worker_resources(worker_settings, after_store_write=store_write_faults,
                                     store_retry=TEST_STORE_RETRY) as resources:
        async with build_worker(wf_temporal_client, worker_settings, resources):
            yield


@pytest.fixture
def sim(store: Any, store_write_faults: StoreWriteFaults) -> Iterator[SimulatorAdmin]:
    """The simulator's admin client, with the demo store reset and inspection counters cleared for this test."""
    admin = SimulatorAdmin(store.admin_url)
    admin.reset()
    store_write_faults.clear()
    yield admin
    admin.clear_faults()
    store_write_faults.clear()
    admin.close()


JobRunner = Callable[..., Awaitable[tuple[JobWorkflowResult, JobRecord]]]


@dataclass
class Jobs:
    """Insert a job row and run its workflow the way the dispatcher does."""

    repo: JobRepository
    client: Client
    settings: Settings
    client_id: str

    def insert(self, kind: str, payload: dict[str, Any], *, batch_id: str | None = None) -> JobRecord:
        return self.repo.insert(NewJob(
            client_id=self.client_id, kind=kind, request_id=str(uuid.uuid4()), payload=payload,
            fingerprint=uuid.uuid4().hex, batch_id=batch_id,
        ))

    async def start(self, job: JobRecord, *, task_queue: str | None = None) -> WorkflowHandle[Any, Any]:
        attributes: list[SearchAttributePair[str]] = [
            SearchAttributePair(SA_JOB_KIND, job.kind), SearchAttributePair(SA_CLIENT_ID, job.client_id)]
        if job.batch_id:
            attributes.append(SearchAttributePair(SA_BATCH_ID, job.batch_id))
        return await self.client.start_workflow(
            WORKFLOW_FOR_KIND[job.kind],
            JobWorkflowInput(job_id=job.job_id, kind=job.kind, client_id=job.client_id),
            id=workflow_id_for(job.job_id),
            task_queue=task_queue or self.settings.temporal_task_queue,
            search_attributes=TypedSearchAttributes(attributes),
            result_type=JobWorkflowResult,
        )

    async def run(self, kind: str, payload: dict[str, Any], *, batch_id: str | None = None,
                  timeout: float = 60.0) -> tuple[JobWorkflowResult, JobRecord]:
        job = self.insert(kind, payload, batch_id=batch_id)
        handle = await self.start(job)
        result = await asyncio.wait_for(handle.result(), timeout)
        record = self.repo.get(job.job_id)
        assert record is not None
        return result, record


@pytest.fixture
def jobs(
    running_worker: None, jobs_repo: JobRepository, wf_temporal_client: Client, worker_settings: Settings,
    worker_client_id: str, sim: SimulatorAdmin,
) -> Jobs:
    return Jobs(jobs_repo, wf_temporal_client, worker_settings, worker_client_id)


async def eventually(predicate: Callable[[], Any], *, timeout: float = 30.0, interval: float = 0.1) -> Any:
    """Poll ``predicate`` (sync) until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await asyncio.to_thread(predicate)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


__all__ = [
    "TEST_STORE_RETRY",
    "InjectedFailure",
    "Jobs",
    "StoreWriteFaults",
    "eventually",
    "jobs",
    "jobs_repo",
    "ledger",
    "running_worker",
    "sim",
    "store_write_faults",
    "wf_temporal_client",
    "worker_client_id",
    "worker_engine",
    "worker_settings",
]
