"""The idempotency store against the session's real MySQL and Redis: reservation, expiry, takeover, races."""

from __future__ import annotations

import threading
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import Engine, select

from bridge.clients import ClientRegistry
from bridge.db.schema import idempotency_keys
from bridge.jobs.idempotency import BatchAlreadyUsed, IdempotencyStore
from bridge.jobs.repository import JobRepository, NewJob, utc_now
from bridge.settings import Settings

TTL = 24 * 3600


class MovableClock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return utc_now() + self.offset


@pytest.fixture
async def redis(pipeline_settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(pipeline_settings.redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def client_id(pipeline_registry: ClientRegistry) -> str:
    return pipeline_registry.create(name="idempotency test").client_id


def new_row(repository: JobRepository, client_id: str, request_id: str, batch_id: str | None = None) -> dict:
    return repository.insert_values(NewJob(client_id=client_id, kind="import_products" if batch_id else
                                           "update_product", request_id=request_id, payload={}, fingerprint="f",
                                           batch_id=batch_id))


def key_row(engine: Engine, client_id: str, request_id: str):
    with engine.connect() as conn:
        return conn.execute(select(idempotency_keys).where(idempotency_keys.c.client_id == client_id,
                                                           idempotency_keys.c.request_id == request_id)).first()


async def test_reserve_then_complete_then_replay(pipeline_engine: Engine, redis: Redis, client_id: str,
                                                 job_repository: JobRepository) -> None:
    store = IdempotencyStore(pipeline_engine, redis, ttl_seconds=TTL)
    rid = str(uuid.uuid4())
    assert store.reserve(client_id, rid, "fp") is None  # we own it
    pending = store.reserve(client_id, rid, "fp")
    assert pending is not None and pending.job_id is None  # a second request sees "in progress"
    row = new_row(job_repository, client_id, rid)
    store.complete_with_new_job(client_id, rid, row)
    done = store.reserve(client_id, rid, "other")
    assert done is not None and done.job_id == row["job_id"] and done.fingerprint == "fp"
    assert job_repository.get(row["job_id"]) is not None


async def test_release_frees_the_request_id(pipeline_engine: Engine, redis: Redis, client_id: str) -> None:
    store = IdempotencyStore(pipeline_engine, redis, ttl_seconds=TTL)
    rid = str(uuid.uuid4())
    assert store.reserve(client_id, rid, "fp") is None
    store.release(client_id, rid)
    assert key_row(pipeline_engine, client_id, rid) is None
    assert store.reserve(client_id, rid, "another intention") is None


async def test_an_expired_key_may_serve_a_new_intention(pipeline_engine: Engine, redis: Redis, client_id: str,
                                                        job_repository: JobRepository) -> None:
    clock = MovableClock()
    store = IdempotencyStore(pipeline_engine, redis, ttl_seconds=TTL, clock=clock)
    rid = str(uuid.uuid4())
    assert store.reserve(client_id, rid, "fp-1") is None
    store.complete_with_new_job(client_id, rid, new_row(job_repository, client_id, rid))
    clock.offset = timedelta(hours=23, minutes=59)
    assert store.reserve(client_id, rid, "fp-2") is not None  # still inside the window
    clock.offset = timedelta(hours=24, seconds=1)
    assert store.get(client_id, rid) is None
    assert store.reserve(client_id, rid, "fp-2") is None  # the old key was deleted, the new one is ours
    assert key_row(pipeline_engine, client_id, rid).fingerprint == "fp-2"


async def test_an_abandoned_reservation_is_taken_over(pipeline_engine: Engine, redis: Redis, client_id: str) -> None:
    clock = MovableClock()
    store = IdempotencyStore(pipeline_engine, redis, ttl_seconds=TTL, clock=clock,
                             stale_reservation=timedelta(seconds=120))
    rid = str(uuid.uuid4())
    assert store.reserve(client_id, rid, "fp") is None  # ... and the process dies here
    clock.offset = timedelta(seconds=60)
    assert store.reserve(client_id, rid, "fp") is not None  # young: still "in progress"
    clock.offset = timedelta(seconds=121)
    assert store.reserve(client_id, rid, "fp") is None  # old: taken over


async def test_concurrent_reservations_have_exactly_one_winner(pipeline_engine: Engine, redis: Redis,
                                                               client_id: str) -> None:
    store = IdempotencyStore(pipeline_engine, redis, ttl_seconds=TTL)
    rid = str(uuid.uuid4())
    outcomes: list[object] = []
    barrier = threading.Barrier(8)

    def contender() -> None:
        barrier.wait()
        outcomes.append(store.reserve(client_id, rid, "fp"))

    threads = [threading.Thread(target=contender) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for outcome in outcomes if outcome is None) == 1
    assert len(outcomes) == 8


async def test_a_batch_id_taken_concurrently_is_reported(pipeline_engine: Engine, redis: Redis, client_id: str,
                                                         job_repository: JobRepository) -> None:
    store = IdempotencyStore(pipeline_engine, redis, ttl_seconds=TTL)
    batch = f"batch-{uuid.uuid4().hex[:8]}"
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    assert store.reserve(client_id, first, "fp") is None
    assert store.reserve(client_id, second, "fp") is None
    store.complete_with_new_job(client_id, first, new_row(job_repository, client_id, first, batch))
    with pytest.raises(BatchAlreadyUsed):
        store.complete_with_new_job(client_id, second, new_row(job_repository, client_id, second, batch))
    assert key_row(pipeline_engine, client_id, second).job_id is None  # nothing written for the loser


async def test_redis_copy_and_its_loss(pipeline_engine: Engine, redis: Redis, client_id: str) -> None:
    store = IdempotencyStore(pipeline_engine, redis, ttl_seconds=TTL)
    rid = str(uuid.uuid4())
    assert await store.cached(client_id, rid) is None
    await store.remember(client_id, rid, "fp", "job-1")
    cached = await store.cached(client_id, rid)
    assert cached is not None and (cached.fingerprint, cached.job_id) == ("fp", "job-1")
    assert 0 < await redis.ttl(store.redis_key(client_id, rid)) <= TTL
    await redis.delete(store.redis_key(client_id, rid))
    assert await store.cached(client_id, rid) is None


async def test_redis_down_is_a_cache_miss_not_an_error(pipeline_engine: Engine, client_id: str) -> None:
    from bridge.devstack import free_port

    dead = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5, socket_timeout=0.5)
    store = IdempotencyStore(pipeline_engine, dead, ttl_seconds=TTL)
    assert await store.cached(client_id, "x") is None
    await store.remember(client_id, "x", "fp", "job")  # does not raise
    await dead.aclose()
