"""The answer cache: a whole run kept under its normalised request, so that thirty students opening
one lesson link cost one run, not thirty (270 model calls in mas with a planner).

The key holds everything that changes an answer: the mode, the messages, the generation parameters
(`user` aside), the perspectives and the models chosen, whether it is scored and against which
viewpoints, and the engine's fingerprint (configured models and strategies, every card, every
prompt template, the package version). A request sampled at `temperature > 0` with no `seed` asks
for a fresh draw and is not cached unless MULTIPLEX_CACHE_SAMPLED=on. Entries live
MULTIPLEX_CACHE_TTL_S seconds: in Redis when MULTIPLEX_REDIS_URL is set (shared by every replica),
else (or while Redis is down) in this process, the most recent MAX_LOCAL.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from dataclasses import asdict
from typing import Any

from multiplex.graph.record import RunResult
from multiplex.graph.state import RunRequest
from multiplex.llm import tokens
from multiplex.shared import Shared

MAX_LOCAL = 512
PREFIX = "multiplex:answer:"


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
        self.hits += 1
        result = RunResult.model_validate_json(data)
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


def fingerprint(parts: list[Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]
