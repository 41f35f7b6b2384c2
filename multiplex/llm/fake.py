"""`fake/...`: a deterministic, offline provider that tests drive.

It reads who is calling from the call's metadata (see `CallTag`) and answers in kind: a
perspective agent's answer names that perspective and a few of its lexicon terms; the
synthesizer's names every perspective it was given; the planner and the judge answer JSON.
`MULTIPLEX_FAKE_LATENCY_MS` delays each call (spread over its tokens when streaming) and
`MULTIPLEX_FAKE_FAIL` makes the listed perspectives' calls fail. `STATS` counts calls, so tests
can see that cancelling a run cancels the calls still pending.

Judge behaviour is picked by model name: `fake/judge-invalid-once` answers invalid JSON on its
first call per text, then valid; `fake/judge-invalid` never answers valid JSON.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from litellm import ModelResponse
from litellm.exceptions import ServiceUnavailableError
from litellm.types.utils import GenericStreamingChunk

from multiplex.llm.inprocess import InProcessProvider
from multiplex.roster import Roster, cached_roster
from multiplex.settings import get_settings


@dataclass
class FakeStats:
    started: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def in_flight(self) -> int:
        return self.started - self.completed - self.failed - self.cancelled

    def reset(self) -> None:
        self.started = self.completed = self.failed = self.cancelled = 0


STATS = FakeStats()
_judge_seen: set[str] = set()


def _roster() -> Roster:
    return cached_roster(get_settings().agents_dir)


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            return str(content or "")
    return ""


def _question(messages: list[dict[str, Any]]) -> str:
    first_line = _last_user_text(messages).strip().split("\n", 1)[0].removeprefix("Question: ")
    text = " ".join(first_line.split())
    return text[:160]


def _perspective_answer(pid: str, question: str) -> str:
    card = _roster().get(pid)
    terms = card.lexicon[:3]
    return (
        f"From the {card.name} perspective, on '{question}': this tradition draws on {terms[0]}, "
        f"{terms[1]} and {terms[2]}. {card.description} It reasons carefully, with hope and respect."
    )


def _synthesis(pids: list[str], question: str) -> str:
    roster = _roster()
    lines = [f"A multiplex answer to '{question}'."]
    for pid in pids:
        card = roster.get(pid)
        lines.append(f"The {card.name} view offers {card.lexicon[1]} as a good and wise guide.")
    lines.append("They agree on care for others and differ on where authority lies.")
    return " ".join(lines)


def _contextual(question: str) -> str:
    roster = _roster()
    start = int(hashlib.sha256(question.encode()).hexdigest(), 16) % len(roster)
    picked = [roster[(start + i) % len(roster)] for i in range(min(4, len(roster)))]
    views = " ".join(f"{c.name} thought speaks of {c.lexicon[1]}." for c in picked)
    return f"Many traditions answer '{question}'. {views} Each deserves respect."


def _baseline(question: str) -> str:
    return (
        f"On '{question}': a common answer starts from individual rights and the reasoning of Kant "
        "and John Stuart Mill, weighing duties against consequences."
    )


def _planner(pids: list[str], question: str) -> str:
    return json.dumps({pid: f"Explain how the {pid} tradition approaches: {question}" for pid in pids})


def _judge(model: str, text: str) -> str:
    from multiplex.scoring.lexicon import LexiconExtractor

    key = hashlib.sha256(text.encode()).hexdigest()
    if model.endswith("judge-invalid") or (model.endswith("judge-invalid-once") and key not in _judge_seen):
        _judge_seen.add(key)
        return "Sure! Here are the references: islamic (Quran), and some others."
    refs = LexiconExtractor(_roster()).extract(text)
    return json.dumps(
        {"references": [{"perspective": r.perspective, "term": r.term, "sentence": r.sentence} for r in refs]}
    )


def answer(model: str, messages: list[dict[str, Any]], metadata: dict[str, Any]) -> str:
    role = metadata.get("multiplex_role", "baseline")
    question = _question(messages)
    pids = list(metadata.get("perspectives") or [])
    if role == "perspective":
        return _perspective_answer(metadata["perspective"], question)
    if role == "synthesizer":
        return _synthesis(pids, question)
    if role == "planner":
        return _planner(pids, question)
    if role == "judge":
        return _judge(model, _last_user_text(messages))
    if role == "contextual":
        return _contextual(question)
    return _baseline(question)


def _tokens(text: str) -> list[str]:
    words = text.split(" ")
    return [w + " " for w in words[:-1]] + [words[-1]]


class FakeProvider(InProcessProvider):
    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        model, messages, metadata, max_tokens = _unpack(kwargs)
        STATS.started += 1
        try:
            await _maybe_fail(metadata, model)
            await asyncio.sleep(get_settings().fake_latency_ms / 1000)
            tokens = _tokens(answer(model, messages, metadata))[:max_tokens]
        except asyncio.CancelledError:
            STATS.cancelled += 1
            raise
        STATS.completed += 1
        response: ModelResponse = kwargs["model_response"]
        response.choices[0].message.content = "".join(tokens)  # type: ignore[union-attr]
        response.choices[0].finish_reason = "stop"
        response.model = model
        response.usage = _usage(messages, len(tokens))  # type: ignore[attr-defined]
        response.created = int(time.time())
        self.trim_bookkeeping(kwargs, response)
        return response

    async def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[GenericStreamingChunk]:  # type: ignore[override]
        self.trim_bookkeeping(kwargs)
        model, messages, metadata, max_tokens = _unpack(kwargs)
        STATS.started += 1
        try:
            await _maybe_fail(metadata, model)
            tokens = _tokens(answer(model, messages, metadata))[:max_tokens]
            pause = get_settings().fake_latency_ms / 1000 / max(len(tokens), 1)
            for i, token in enumerate(tokens):
                await asyncio.sleep(pause)
                last = i == len(tokens) - 1
                yield _chunk(token, last, _usage(messages, len(tokens)) if last else None)
        except asyncio.CancelledError:
            STATS.cancelled += 1
            raise
        except GeneratorExit:
            STATS.cancelled += 1
            raise
        STATS.completed += 1


def _unpack(kwargs: dict[str, Any]) -> tuple[str, list[dict[str, Any]], dict[str, Any], int]:
    litellm_params = kwargs.get("litellm_params") or {}
    metadata = litellm_params.get("metadata") or {}
    optional = kwargs.get("optional_params") or {}
    return kwargs["model"], kwargs["messages"], metadata, int(optional.get("max_tokens") or 10_000)


async def _maybe_fail(metadata: dict[str, Any], model: str) -> None:
    pid = metadata.get("perspective")
    if pid and pid in get_settings().fake_fail:
        await asyncio.sleep(get_settings().fake_latency_ms / 1000)
        STATS.failed += 1
        raise ServiceUnavailableError(message=f"fake outage for perspective {pid}", llm_provider="fake", model=model)


def _usage(messages: list[dict[str, Any]], completion_tokens: int) -> Any:
    from litellm import Usage

    prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages)
    return Usage(
        prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, total_tokens=prompt_tokens + completion_tokens
    )


def _chunk(text: str, finished: bool, usage: Any) -> GenericStreamingChunk:
    return {
        "text": text,
        "is_finished": finished,
        "finish_reason": "stop" if finished else "",
        "usage": (
            {
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "total_tokens": usage.total_tokens,
            }
            if usage
            else None
        ),
        "index": 0,
        "tool_use": None,
    }
