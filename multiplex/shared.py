"""State shared by every replica, in Redis (MULTIPLEX_REDIS_URL): rate limits and the answer cache.
Off by default: one process needs nothing.

Redis is a help, never a dependency of an answer: every use goes through `Shared.call`, which
returns None when Redis is down or unreachable (callers then fall back to their local state), logs
one WARNING when it goes away and one INFO when it is back, and keeps `up` for readiness and the
metrics. While it is down, a reconnection is tried at most every RETRY_S seconds, so a dead Redis
costs a request nothing but a skipped call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

log = logging.getLogger("multiplex.shared")
T = TypeVar("T")
RETRY_S = 5.0
TIMEOUT_S = 0.5  # a Redis that takes longer than this is treated as down for this call


class Shared:
    def __init__(self, url: str | None) -> None:
        self.url = url
        self.up = url is not None
        self.client: Any = None
        self._down_since: float | None = None
        if url:
            import redis.asyncio as redis

            self.client = redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)

    @property
    def enabled(self) -> bool:
        return self.client is not None

    async def call(self, action: Callable[[Any], Awaitable[T]]) -> T | None:
        """`action(client)`'s result, or None when there is no Redis or it failed."""
        if self.client is None:
            return None
        if self._down_since is not None and time.monotonic() - self._down_since < RETRY_S:
            return None
        try:
            result = await action(self.client)
        except Exception as exc:  # redis errors, timeouts, lost connections: fall back
            if self._down_since is None:
                log.warning(
                    "Redis at %s is unreachable (%s): limits and cache are local until it is back", _safe(self.url), exc
                )
            self._down_since = time.monotonic()
            self.up = False
            return None
        if self._down_since is not None:
            log.info("Redis at %s is back: limits and cache are shared again", _safe(self.url))
        self._down_since = None
        self.up = True
        return result

    @property
    def state(self) -> str:
        """`off` (no Redis), `up` or `down`, as the last call found it: readiness and metrics read
        this, never reconnect (a probe every few seconds would defeat the back-off)."""
        if self.client is None:
            return "off"
        return "up" if self.up else "down"

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()


def _safe(url: str | None) -> str:
    """The URL without its password, for the logs."""
    if not url or "@" not in url:
        return url or ""
    scheme, rest = url.split("://", 1) if "://" in url else ("", url)
    return f"{scheme}://***@{rest.split('@', 1)[1]}"
