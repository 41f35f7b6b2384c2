"""`fake/...`: a deterministic, offline, instant provider for demos, plumbing tests and load tests.

By default it answers every call with a short text made from the call itself (who is calling,
the question), never from the scorer's lexicon: a fake answer proves that the plumbing works,
not that anything is plural. A test that cares what an answer says scripts it, per model name:

    fake.script("teacher", lambda call: "Confucius taught ..." if call.perspective == "confucian" else "...")
    # then MULTIPLEX_MODEL=fake/teacher

A script returns the reply text, or raises (a litellm exception, or any other, which becomes a
provider failure). Or, as one object (pydantic-ai's TestModel, simonw/llm's MockModel):

    model = fake.FakeModel("teacher").enqueue("first reply", RateLimitError(...))
    # MULTIPLEX_MODEL=model.model; replies in order, then the default; model.calls: what it was asked
 MULTIPLEX_FAKE_LATENCY_MS delays each call (spread over its tokens when
streaming), MULTIPLEX_FAKE_FAIL makes the listed perspectives' calls fail, and `STATS` counts
calls, so tests can see that cancelling a run cancels the calls still pending.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from litellm import ModelResponse, Usage
from litellm.exceptions import ServiceUnavailableError
from litellm.types.utils import GenericStreamingChunk

from multiplex.llm.content import text_of
from multiplex.llm.inprocess import InProcessOptions, InProcessProvider, call_metadata


@dataclass
class FakeStats:
    started: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    peak_in_flight: int = 0  # the most calls waiting on the fake at once

    @property
    def in_flight(self) -> int:
        return self.started - self.completed - self.failed - self.cancelled

    def start(self) -> None:
        self.started += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def reset(self) -> None:
        self.started = self.completed = self.failed = self.cancelled = self.peak_in_flight = 0


@dataclass(frozen=True)
class FakeCall:
    """One call, as a script sees it."""

    model: str
    role: str
    perspective: str | None
    perspectives: tuple[str, ...]
    messages: list[dict[str, Any]]
    max_tokens: int | None
    response_format: dict[str, Any] | None = None
    seed: int | None = None

    @property
    def system(self) -> str:
        return "\n".join(text_of(m.get("content")) for m in self.messages if m.get("role") == "system")

    @property
    def user(self) -> str:
        users = [m for m in self.messages if m.get("role") == "user"]
        return text_of(users[-1].get("content")) if users else ""

    @property
    def question(self) -> str:
        """The first line of the last user message, as sent: the fake knows no prompt of the app's."""
        first_line = self.user.strip().split("\n", 1)[0]
        return " ".join(first_line.split())[:160]


Script = Callable[[FakeCall], str]
STATS = FakeStats()
_scripts: dict[str, Script] = {}


def script(name: str, reply: Script) -> str:
    """Answer every call to `fake/<name>` with `reply`; returns the model string."""
    _scripts[name] = reply
    return f"fake/{name}"


def unscript(name: str) -> None:
    _scripts.pop(name, None)


class FakeModel:
    """`fake/<name>` as one object: replies queued with `enqueue` answer its calls in order (a reply
    that is an exception is raised, a provider failure), then `reply` answers (the default reply
    unless given); `calls` holds every call it was asked, in order."""

    def __init__(self, name: str, reply: Script | None = None) -> None:
        self.name = name
        self.reply = reply or default_reply
        self.calls: list[FakeCall] = []
        self._queue: deque[str | BaseException] = deque()
        script(name, self)

    @property
    def model(self) -> str:
        return f"fake/{self.name}"

    def enqueue(self, *replies: str | BaseException) -> FakeModel:
        self._queue.extend(replies)
        return self

    def __call__(self, call: FakeCall) -> str:
        self.calls.append(call)
        if not self._queue:
            return self.reply(call)
        queued = self._queue.popleft()
        if isinstance(queued, BaseException):
            raise queued
        return queued

    def close(self) -> None:
        unscript(self.name)


def default_reply(call: FakeCall) -> str:
    if call.role == "planner":
        return json.dumps({pid: f"Answer from the {pid} seat: {call.question}" for pid in call.perspectives})
    if call.role == "judge":
        return json.dumps({"references": []})
    if call.role == "perspective":
        return f"A draft from the {call.perspective} seat on '{call.question}'. It weighs the question with care."
    if call.role == "synthesizer":
        return f"Where the {len(call.perspectives)} answers meet on '{call.question}', and where they part."
    return f"A {call.role} answer to '{call.question}'. It weighs the question with care."


def _call_of(kwargs: dict[str, Any]) -> FakeCall:
    metadata = call_metadata(kwargs)
    optional = kwargs.get("optional_params") or {}
    max_tokens = optional.get("max_tokens")
    return FakeCall(
        model=kwargs["model"],
        role=str(metadata.get("multiplex_role") or "baseline"),
        perspective=metadata.get("perspective"),
        perspectives=tuple(metadata.get("perspectives") or ()),
        messages=list(kwargs["messages"]),
        max_tokens=int(max_tokens) if max_tokens else None,
        response_format=optional.get("response_format"),
        seed=optional.get("seed"),
    )


def _reply(call: FakeCall, options: InProcessOptions) -> tuple[list[str], str]:
    if call.perspective and call.perspective in options.fake_fail:
        raise ServiceUnavailableError(
            message=f"fake outage for perspective {call.perspective}", llm_provider="fake", model=call.model
        )
    name = call.model.split("/", 1)[1] if "/" in call.model else call.model
    text = _scripts.get(name, default_reply)(call)
    tokens = _tokens(text)
    if call.max_tokens is not None and len(tokens) > call.max_tokens:
        return tokens[: call.max_tokens], "length"
    return tokens, "stop"


def _tokens(text: str) -> list[str]:
    words = text.split(" ")
    return [w + " " for w in words[:-1]] + [words[-1]]


def _usage(messages: list[dict[str, Any]], completion_tokens: int) -> Usage:
    prompt_tokens = sum(len(text_of(m.get("content")).split()) for m in messages)
    return Usage(
        prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, total_tokens=prompt_tokens + completion_tokens
    )


class FakeProvider(InProcessProvider):
    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        call, options = _call_of(kwargs), InProcessOptions.of_call(kwargs)
        STATS.start()
        try:
            await asyncio.sleep(options.fake_latency_ms / 1000)
            tokens, finish = _reply(call, options)
        except asyncio.CancelledError:
            STATS.cancelled += 1
            raise
        except Exception:
            STATS.failed += 1
            raise
        STATS.completed += 1
        response: ModelResponse = kwargs["model_response"]
        response.choices[0].message.content = "".join(tokens)
        response.choices[0].finish_reason = finish  # type: ignore[assignment]
        response.model = call.model
        response.usage = _usage(call.messages, len(tokens))  # type: ignore[attr-defined]
        response.created = int(time.time())
        self.trim_bookkeeping(kwargs, response)
        return response

    async def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[GenericStreamingChunk]:  # type: ignore[override]
        self.trim_bookkeeping(kwargs)
        call, options = _call_of(kwargs), InProcessOptions.of_call(kwargs)
        STATS.start()
        try:
            try:
                tokens, finish = _reply(call, options)
            except Exception:
                await asyncio.sleep(options.fake_latency_ms / 1000)
                STATS.failed += 1
                raise
            pause = options.fake_latency_ms / 1000 / max(len(tokens), 1)
            for i, token in enumerate(tokens):
                if pause:
                    await asyncio.sleep(pause)
                last = i == len(tokens) - 1
                yield _chunk(token, finish if last else None, _usage(call.messages, len(tokens)) if last else None)
        except (asyncio.CancelledError, GeneratorExit):
            STATS.cancelled += 1
            raise
        STATS.completed += 1


def _chunk(text: str, finish: str | None, usage: Usage | None) -> GenericStreamingChunk:
    return {
        "text": text,
        "is_finished": finish is not None,
        "finish_reason": finish or "",
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
