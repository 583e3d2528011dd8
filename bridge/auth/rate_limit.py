"""Per-client rate limits and the read-replay guard, atomic in Redis across every API replica.

One Redis round trip per request: a Lua script (run with EVALSHA) checks the read-replay marker, checks and
increments the client's counter for the request class, and sets the replay marker — atomically, so two API
processes sharing Redis can never admit more than the limit in a window. Hand-written rather than Litestar's
limiter (per-process, no ``Retry-After``) or ``limits`` (one call per limit, and no way to fold the replay
check into the same round trip).

The algorithm is a fixed window per client and class: the first admitted request starts a 60 s window
(``PEXPIRE``); the window's counter never exceeds the limit; a refused request learns how many milliseconds are
left (``PTTL``), which becomes ``Retry-After`` and the ``t`` of the ``RateLimit`` header.

When Redis is unreachable the limiter does not fail the whole API: reads (including job polling) are counted by
an in-process fallback with the same algorithm (so each replica admits up to the limit on its own), and read
request ids are remembered in process memory; writes are refused with 503 ``redis_unavailable`` by the caller
(:mod:`bridge.auth.gate`) because the HTTP idempotency cache needs Redis too. A short circuit breaker keeps a
dead Redis from costing every request a connect timeout; after it, the next request tries Redis again, so
nothing needs a restart when Redis comes back.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from redis.asyncio import Redis
from redis.exceptions import RedisError

WINDOW_SECONDS = 60
REDIS_RETRY_AFTER_FAILURE_SECONDS = 1.0
"""After a Redis error, use the fallback for this long before trying Redis again."""
REDIS_DECISION_TIMEOUT_SECONDS = 0.5
"""Give up on Redis for this request after this long. redis-py's default policy retries a refused connection
with exponential backoff (seconds); a rate-limit decision must not wait for that."""

_ADMIT_SCRIPT = """
-- KEYS[1]: counter of this client and request class; KEYS[2] (reads only): replay marker of the request id
-- ARGV[1]: limit; ARGV[2]: window in ms; ARGV[3]: replay marker lifetime in ms
-- returns {admitted (1, 0, or -1 for a replayed request id), count, ms left in the window}
local limit = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
if #KEYS > 1 and redis.call('EXISTS', KEYS[2]) == 1 then
  return {-1, 0, 0}
end
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= limit then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], window_ms)
    ttl = window_ms
  end
  return {0, used, ttl}
end
used = redis.call('INCR', KEYS[1])
if used == 1 then
  redis.call('PEXPIRE', KEYS[1], window_ms)
end
local ttl = redis.call('PTTL', KEYS[1])
if #KEYS > 1 then
  redis.call('SET', KEYS[2], '1', 'PX', tonumber(ARGV[3]))
end
return {1, used, ttl}
"""


class RequestClass(str, Enum):
    READ = "read"
    WRITE = "write"
    TOKEN_FAILURE = "token_failure"
    """Failed ``POST /oauth/token`` attempts per source address; falls back like reads when Redis is down."""


class Verdict(str, Enum):
    ADMITTED = "admitted"
    RATE_LIMITED = "rate_limited"
    REPLAYED = "replayed"
    REDIS_UNAVAILABLE = "redis_unavailable"
    """Only for writes: Redis is down and writes may not fall back."""


@dataclass(frozen=True)
class RateDecision:
    verdict: Verdict
    request_class: RequestClass
    limit: int
    remaining: int
    reset_seconds: int
    """Seconds until the window resets (also the ``Retry-After`` of a 429)."""
    degraded: bool = False
    """True when decided by the in-process fallback because Redis is unreachable."""

    def headers(self) -> dict[str, str]:
        """``RateLimit-Policy`` / ``RateLimit`` per draft-ietf-httpapi-ratelimit-headers (structured fields)."""
        name = self.request_class.value
        return {
            "RateLimit-Policy": f'"{name}";q={self.limit};w={WINDOW_SECONDS}',
            "RateLimit": f'"{name}";r={self.remaining};t={self.reset_seconds}',
        }


class _MemoryWindow:
    """The fallback: the same fixed-window algorithm in process memory (monotonic clock)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window end, count)

    def peek(self, key: str) -> tuple[int, float]:
        """(count, seconds left) of the current window, without counting anything."""
        now = self._clock()
        end, used = self._windows.get(key, (0.0, 0))
        return (used, end - now) if now < end else (0, 0.0)

    def admit(self, key: str, limit: int) -> tuple[bool, int, float]:
        now = self._clock()
        end, used = self._windows.get(key, (0.0, 0))
        if now >= end:
            if len(self._windows) > 10_000:
                self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
            end, used = now + WINDOW_SECONDS, 0
        if used >= limit:
            self._windows[key] = (end, used)
            return False, used, end - now
        self._windows[key] = (end, used + 1)
        return True, used + 1, end - now


class _MemoryReplayGuard:
    """Request ids seen while Redis was unreachable (and kept checking after it returns, until they expire)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._seen: dict[str, float] = {}  # key -> expiry

    def seen(self, key: str) -> bool:
        expiry = self._seen.get(key)
        return expiry is not None and expiry > self._clock()

    def remember(self, key: str, lifetime: float) -> None:
        now = self._clock()
        if len(self._seen) > 10_000:
            self._seen = {k: e for k, e in self._seen.items() if e > now}
        self._seen[key] = now + lifetime


class RateLimiter:
    """Admits or refuses one request of a client, with the read-replay check folded in."""

    def __init__(self, redis: Redis, *, replay_ttl_seconds: int, key_prefix: str = "bridge:",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._redis = redis
        self._script = redis.register_script(_ADMIT_SCRIPT)
        self._replay_ttl_ms = replay_ttl_seconds * 1000
        self._prefix = key_prefix
        self._clock = clock
        self._memory_windows = _MemoryWindow(clock)
        self._memory_replays = _MemoryReplayGuard(clock)
        self._redis_down_until = 0.0

    @property
    def redis_available(self) -> bool:
        """False while the circuit breaker is open (a Redis call failed within the last second)."""
        return self._clock() >= self._redis_down_until

    async def exhausted(self, subject: str, request_class: RequestClass, limit: int) -> RateDecision | None:
        """The refusal if ``subject`` already used its ``limit`` in the current window, else None; counts nothing.

        Used with :meth:`admit` to limit *failures*: check before the expensive work, count only when it failed.
        """
        counter_key = f"{self._prefix}rl:{subject}:{request_class.value}"
        used, left = 0, 0.0
        if self.redis_available:
            try:
                async with asyncio.timeout(REDIS_DECISION_TIMEOUT_SECONDS):
                    async with self._redis.pipeline(transaction=False) as pipe:
                        raw_used, ttl_ms = await pipe.get(counter_key).pttl(counter_key).execute()
                used, left = int(raw_used or 0), max(0, int(ttl_ms)) / 1000
            except (RedisError, OSError, TimeoutError):
                self._redis_down_until = self._clock() + REDIS_RETRY_AFTER_FAILURE_SECONDS
                used, left = self._memory_windows.peek(counter_key)
        else:
            used, left = self._memory_windows.peek(counter_key)
        if used < limit:
            return None
        return RateDecision(Verdict.RATE_LIMITED, request_class, limit, 0, max(1, math.ceil(left)))

    async def admit(self, subject: str, request_class: RequestClass, limit: int,
                    request_id: str | None = None) -> RateDecision:
        """Count one request of ``subject`` (a client id; ``ip:<address>`` for token failures).

        ``request_id`` (reads only) is single-use within the replay lifetime.
        """
        counter_key = f"{self._prefix}rl:{subject}:{request_class.value}"
        replay_key = f"{self._prefix}replay:{subject}:{request_id}" if request_id else None
        if replay_key is not None and self._memory_replays.seen(replay_key):
            return RateDecision(Verdict.REPLAYED, request_class, limit, 0, 0)
        if self.redis_available:
            keys = [counter_key] if replay_key is None else [counter_key, replay_key]
            try:
                async with asyncio.timeout(REDIS_DECISION_TIMEOUT_SECONDS):
                    admitted, used, ttl_ms = await self._script(keys=keys, args=[limit, WINDOW_SECONDS * 1000,
                                                                                  self._replay_ttl_ms])
            except (RedisError, OSError, TimeoutError):
                self._redis_down_until = self._clock() + REDIS_RETRY_AFTER_FAILURE_SECONDS
            else:
                verdict = {1: Verdict.ADMITTED, 0: Verdict.RATE_LIMITED, -1: Verdict.REPLAYED}[int(admitted)]
                return RateDecision(verdict, request_class, limit, max(0, limit - int(used)),
                                    max(1, math.ceil(int(ttl_ms) / 1000)) if verdict != Verdict.REPLAYED else 0)
        if request_class is RequestClass.WRITE:
            return RateDecision(Verdict.REDIS_UNAVAILABLE, request_class, limit, 0, 0, degraded=True)
        admitted_now, used, left = self._memory_windows.admit(counter_key, limit)
        if admitted_now and replay_key is not None:
            self._memory_replays.remember(replay_key, self._replay_ttl_ms / 1000)
        return RateDecision(Verdict.ADMITTED if admitted_now else Verdict.RATE_LIMITED, request_class, limit,
                            max(0, limit - used), max(1, math.ceil(left)), degraded=True)
