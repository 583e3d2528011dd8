"""The rate limiter against a real Redis: atomic admission under concurrency, replay markers, the fallback."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bridge.auth.rate_limit import RateLimiter, RequestClass, Verdict
from bridge.settings import Settings


@pytest.fixture
async def redis(bridge_settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(bridge_settings.redis_url)
    yield client
    await client.aclose()


def prefix() -> str:
    return f"test-rl-{uuid.uuid4().hex[:8]}:"


async def test_concurrent_admissions_never_exceed_the_limit(redis: Redis) -> None:
    shared = prefix()  # four limiters (as in four API processes) over the same keys
    limiters = [RateLimiter(redis, replay_ttl_seconds=61, key_prefix=shared) for _ in range(4)]
    decisions = await asyncio.gather(*(limiters[i % 4].admit("cl_a", RequestClass.WRITE, 7) for i in range(50)))
    verdicts = [d.verdict for d in decisions]
    assert verdicts.count(Verdict.ADMITTED) == 7 and verdicts.count(Verdict.RATE_LIMITED) == 43
    assert sorted(d.remaining for d in decisions if d.verdict is Verdict.ADMITTED) == list(range(7))
    assert all(1 <= d.reset_seconds <= 60 for d in decisions)


async def test_reads_and_writes_and_clients_have_separate_budgets(redis: Redis) -> None:
    limiter = RateLimiter(redis, replay_ttl_seconds=61, key_prefix=prefix())
    assert (await limiter.admit("cl_a", RequestClass.WRITE, 1)).verdict is Verdict.ADMITTED
    assert (await limiter.admit("cl_a", RequestClass.WRITE, 1)).verdict is Verdict.RATE_LIMITED
    assert (await limiter.admit("cl_a", RequestClass.READ, 1)).verdict is Verdict.ADMITTED
    assert (await limiter.admit("cl_b", RequestClass.WRITE, 1)).verdict is Verdict.ADMITTED


async def test_read_request_ids_are_single_use_with_a_ttl(redis: Redis) -> None:
    key_prefix = prefix()
    limiter = RateLimiter(redis, replay_ttl_seconds=61, key_prefix=key_prefix)
    rid = str(uuid.uuid4())
    assert (await limiter.admit("cl_a", RequestClass.READ, 10, request_id=rid)).verdict is Verdict.ADMITTED
    replay = await limiter.admit("cl_a", RequestClass.READ, 10, request_id=rid)
    assert replay.verdict is Verdict.REPLAYED
    assert 60_000 < await redis.pttl(f"{key_prefix}replay:cl_a:{rid}") <= 61_000
    # The replay did not consume budget.
    assert (await limiter.admit("cl_a", RequestClass.READ, 10)).remaining == 8


async def test_unreachable_redis_falls_back_for_reads_and_refuses_writes() -> None:
    dead = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)  # nothing listens on port 1
    clock = [1000.0]
    limiter = RateLimiter(dead, replay_ttl_seconds=61, clock=lambda: clock[0])
    write = await limiter.admit("cl_a", RequestClass.WRITE, 5)
    assert write.verdict is Verdict.REDIS_UNAVAILABLE and write.degraded
    assert not limiter.redis_available
    rid = str(uuid.uuid4())
    reads = [await limiter.admit("cl_a", RequestClass.READ, 2, request_id=r) for r in (rid, None, None)]
    assert [r.verdict for r in reads] == [Verdict.ADMITTED, Verdict.ADMITTED, Verdict.RATE_LIMITED]
    assert all(r.degraded for r in reads)
    assert (await limiter.admit("cl_a", RequestClass.READ, 2, request_id=rid)).verdict is Verdict.REPLAYED
    clock[0] += 61  # a new window in the fallback; the breaker is closed again, Redis is retried (and fails)
    assert limiter.redis_available
    again = await limiter.admit("cl_a", RequestClass.READ, 2)
    assert again.verdict is Verdict.ADMITTED and again.degraded
    await dead.aclose()


async def test_exhausted_peeks_without_counting(redis: Redis) -> None:
    limiter = RateLimiter(redis, replay_ttl_seconds=61, key_prefix=prefix())
    assert await limiter.exhausted("ip:10.0.0.1", RequestClass.TOKEN_FAILURE, 2) is None
    assert await limiter.exhausted("ip:10.0.0.1", RequestClass.TOKEN_FAILURE, 2) is None  # peeking counts nothing
    for _ in range(2):
        await limiter.admit("ip:10.0.0.1", RequestClass.TOKEN_FAILURE, 2)
    refusal = await limiter.exhausted("ip:10.0.0.1", RequestClass.TOKEN_FAILURE, 2)
    assert refusal is not None and refusal.verdict is Verdict.RATE_LIMITED and 1 <= refusal.reset_seconds <= 60
    assert await limiter.exhausted("ip:10.0.0.2", RequestClass.TOKEN_FAILURE, 2) is None


async def test_exhausted_falls_back_to_memory_when_redis_is_unreachable() -> None:
    dead = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    limiter = RateLimiter(dead, replay_ttl_seconds=61)
    assert await limiter.exhausted("ip:x", RequestClass.TOKEN_FAILURE, 1) is None
    assert (await limiter.admit("ip:x", RequestClass.TOKEN_FAILURE, 1)).degraded  # failures count in memory
    assert await limiter.exhausted("ip:x", RequestClass.TOKEN_FAILURE, 1) is not None
    await dead.aclose()
