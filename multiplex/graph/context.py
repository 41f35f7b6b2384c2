"""What every node needs beside the state: the run's context (LangGraph's runtime context), and
the one way a node calls a model and books the call."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from multiplex.errors import MultiplexError
from multiplex.graph.record import AgentCall, Role
from multiplex.graph.state import RunRequest
from multiplex.grounding.sources import Sources
from multiplex.llm import LLM, CallTag, Completion, GenerationParams, Usage
from multiplex.prompts import Prompts
from multiplex.roster import Perspective
from multiplex.settings import Settings

TokenSink = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class GraphContext:
    settings: Settings
    prompts: Prompts
    llm: LLM
    sources: Sources

    def model_of(self, card: Perspective | None) -> str:
        """The one answer to "which model does this agent use": its card's, else the configured one."""
        return (card.model if card is not None else None) or self.settings.model

    @property
    def synthesizer(self) -> str:
        return self.settings.synthesizer

    def strategy(self, request: RunRequest) -> Literal["llm", "sections"]:
        if wants_format(request.params):
            return "llm"  # a format the client asked for: only the synthesizer can write it
        return self.settings.synthesis_strategy()

    async def call(
        self,
        role: Role,
        model: str,
        messages: list[dict[str, object]],
        params: GenerationParams,
        perspective: str | None = None,
        perspectives: tuple[str, ...] = (),
        on_token: TokenSink | None = None,
    ) -> Called:
        """One model call, booked: never raises a provider failure, returns it with the call."""
        started = time.perf_counter()
        completion: Completion | None = None
        error: MultiplexError | None = None
        try:
            completion = await self.llm.generate(
                model, messages, params, CallTag(role, perspective, perspectives), on_token
            )
        except MultiplexError as exc:
            error = exc
        call = AgentCall(
            role=role,
            perspective=perspective,
            model=model,
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            usage=completion.usage if completion else Usage(),
            finish_reason=_finish(completion.finish_reason) if completion else None,
            failure=error.failure if error else None,
            error=error.message if error else None,
        )
        return Called(call, completion, error)


@dataclass(frozen=True)
class Called:
    call: AgentCall
    completion: Completion | None
    error: MultiplexError | None

    def result(self) -> Completion:
        """The completion, or the failure raised."""
        if self.error is not None:
            raise self.error
        assert self.completion is not None
        return self.completion


def _finish(reason: str) -> Literal["stop", "length"]:
    return "length" if reason == "length" else "stop"


def wants_format(params: GenerationParams) -> bool:
    return bool(params.response_format and params.response_format.get("type") != "text")
