"""Admission control: a bounded number of concurrent runs with a bounded queue, and a per-key
rate limit. Both answer at once when full, so a surplus request never hangs."""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from multiplex.errors import Overloaded, RateLimited
from multiplex.shared import Shared


class RunLimiter:
    def __init__(self, max_running: int, max_waiting: int) -> None:
        self._slots = asyncio.Semaphore(max_running)
        self.max_running = max_running
        self.max_waiting = max_waiting
        self.running = 0
        self.waiting = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self.running >= self.max_running and self.waiting >= self.max_waiting:
            raise Overloaded(
                f"server is busy: {self.running} runs in progress and {self.waiting} waiting; retry shortly"
            )
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            self._slots.release()


# A sliding window of one minute in Redis, on the Redis server's clock (replicas' clocks may differ):
# returns {1, 0} when the request is let through, {0, milliseconds until a slot frees} when not.
SLIDING_WINDOW = """
local key, limit, member = KEYS[1], tonumber(ARGV[1]), ARGV[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, 0, now - 60000)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, 60000)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + 60000 - now}
"""


class RateLimiter:
    """`per_minute` requests a minute per key: counted in Redis across every replica when there is
    one (a sliding window), else (or while Redis is down) in this process (a token bucket, bursts
    up to the same number)."""

    def __init__(self, per_minute: int, shared: Shared | None = None) -> None:
        self.per_minute = per_minute
        self.shared = shared or Shared(None)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._script: Any = None

    async def check(self, key: str) -> None:
        if self.per_minute <= 0:
            return
        if self.shared.enabled:
            verdict = await self.shared.call(lambda r: self._window(r, key))
            if verdict is not None:
                allowed, wait_ms = verdict
                if not allowed:
                    raise RateLimited(
                        f"rate limit of {self.per_minute} requests per minute reached",
                        retry_after=max(1, math.ceil(int(wait_ms) / 1000)),
                    )
                return
        self._check_local(key)

    async def _window(self, redis: Any, key: str) -> list[int]:
        if self._script is None:
            self._script = redis.register_script(SLIDING_WINDOW)
        name = "multiplex:rate:" + hashlib.sha256(key.encode()).hexdigest()[:24]  # never a raw API key
        return list(await self._script(keys=[name], args=[self.per_minute, uuid.uuid4().hex]))

    def _check_local(self, key: str) -> None:
        now = time.monotonic()
        rate = self.per_minute / 60.0
        tokens, last = self._buckets.get(key, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            wait = math.ceil((1.0 - tokens) / rate)
            raise RateLimited(f"rate limit of {self.per_minute} requests per minute reached", retry_after=wait)
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > 10_000:  # forget idle keys
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 120}
