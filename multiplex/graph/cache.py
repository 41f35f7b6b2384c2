"""The answer cache: a whole run kept under its normalised request, so that thirty students opening
one lesson link cost one run, not thirty (270 model calls in mas with a planner).

The key holds everything that changes an answer: the mode, the messages, the generation parameters
(`user` aside), the perspectives and the models chosen, whether it is scored and against which
viewpoints, and the engine's fingerprint (the package's version and source files, every setting
but those that only serve answers, every card, every prompt template, the sources' content). Only
complete answers are stored: one with a voice missing, or a call behind it that failed, is never
replayed. An entry that does not read back as a run is a miss. A request sampled at
`temperature > 0` with no `seed` asks for a fresh draw and is not cached unless
MULTIPLEX_CACHE_SAMPLED=on. Entries live
MULTIPLEX_CACHE_TTL_S seconds: in Redis when MULTIPLEX_REDIS_URL is set (shared by every replica),
else (or while Redis is down) in this process, the most recent MAX_LOCAL.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import OrderedDict
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any

from multiplex.graph.record import RunResult
from multiplex.graph.state import RunRequest
from multiplex.llm import tokens
from multiplex.shared import Shared

log = logging.getLogger("multiplex.cache")
MAX_LOCAL = 512
PREFIX = "multiplex:answer:"
# Settings that change how answers are served, not what they say: left out of the fingerprint.
SERVING_SETTINGS = frozenset(
    {
        "host",
        "port",
        "metrics_port",
        "api_keys",
        "cors_origins",
        "max_body_bytes",
        "redis_url",
        "cache_ttl_s",
        "cache_sampled",
        "max_concurrent_runs",
        "max_queued_runs",
        "rate_limit_rpm",
        "ping_interval_s",
        "log_level",
        "log_format",
        "log_messages",
        "worldview_bench_url",
        "perspectrum_url",
        "argkp_url",
        "local_threads",
        "drain_s",
        "header_timeout_s",
        "body_timeout_s",
        "max_connections",
    }
)


class AnswerCache:
    def __init__(self, ttl_s: int, shared: Shared, fingerprint: str, sampled: bool = False) -> None:
        self.ttl_s = ttl_s
        self.shared = shared
        self.fingerprint = fingerprint
        self.sampled = sampled
        self.hits = 0
        self.misses = 0
        self._local: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def key(self, request: RunRequest) -> str | None:
        """The request's key, or None when it must not be answered from the cache."""
        params = request.params
        if self.ttl_s <= 0 or not request.cache:
            return None
        if params.seed is None and (params.temperature or 0) > 0 and not self.sampled:
            return None
        normal = {
            "fingerprint": self.fingerprint,
            "mode": request.mode,
            "messages": request.messages,
            "params": {k: v for k, v in asdict(params).items() if k != "user"},
            "perspectives": request.perspectives,
            "models": dict(sorted(request.models.items())),
            "synthesizer_model": request.synthesizer_model,
            "score": request.score,
            "viewpoints": [v.model_dump() for v in request.viewpoints or ()],
        }
        blob = json.dumps(normal, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    async def get(self, key: str) -> RunResult | None:
        data = await self.shared.call(lambda r: r.get(PREFIX + key)) if self.shared.enabled else None
        if data is None:
            data = self._get_local(key)
        if data is None:
            self.misses += 1
            return None
        try:
            result = RunResult.model_validate_json(data)
        except ValueError as exc:  # written by another version, or damaged: a miss, never an error
            log.warning("answer cache entry %s does not read as a run (%s): answered afresh", key[:12], exc)
            self.misses += 1
            return None
        self.hits += 1
        result.cached = True
        result.answer_tokens = tokens.count(result.text)
        return result

    async def put(self, key: str, result: RunResult) -> None:
        data = result.model_dump_json()
        stored = (
            await self.shared.call(lambda r: r.set(PREFIX + key, data, ex=self.ttl_s)) if self.shared.enabled else None
        )
        if not stored:  # no Redis, or it is down: this process keeps it
            self._local[key] = (time.monotonic() + self.ttl_s, data)
            self._local.move_to_end(key)
            while len(self._local) > MAX_LOCAL:
                self._local.popitem(last=False)

    def _get_local(self, key: str) -> str | None:
        entry = self._local.get(key)
        if entry is None:
            return None
        expires, data = entry
        if time.monotonic() > expires:
            del self._local[key]
            return None
        self._local.move_to_end(key)
        return data


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The package's own source: an answer made by other code is another answer."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def fingerprint(parts: list[Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]
