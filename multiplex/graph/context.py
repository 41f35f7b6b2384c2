"""What every node needs beside the state: the run's context (LangGraph's runtime context), and
the one way a node calls a model and books the call."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from multiplex.errors import MultiplexError
from multiplex.graph.echo import Instructions
from multiplex.graph.panel import Panel
from multiplex.graph.record import AgentCall, Role
from multiplex.graph.state import RunRequest
from multiplex.grounding.sources import Sources
from multiplex.llm import LLM, CallTag, Completion, GenerationParams, Usage, capabilities
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

    panel: Panel | None = None  # the run's perspective agents as a group (mas): the straggler grace

    @property
    def instructions(self) -> Instructions:
        """Our own prompts' words, which no reply may repeat as its answer."""
        return _instructions(self.prompts)

    def model_of(self, card: Perspective | None, request: RunRequest | None = None) -> str:
        """The one answer to "which model does this agent use": the request's choice for it, else its
        card's, else the configured one."""
        chosen = request.models.get(card.id) if request is not None and card is not None else None
        return chosen or (card.model if card is not None else None) or self.settings.model

    def synthesizer(self, request: RunRequest) -> str:
        return request.synthesizer_model or self.settings.synthesizer

    def strategy(self, request: RunRequest) -> Literal["llm", "sections"]:
        """MULTIPLEX_SYNTHESIS, or with `auto` what the synthesizer's model can do (`sections` for a
        model that cannot merge seven drafts)."""
        if wants_format(request.params):
            return "llm"  # a format the client asked for: only the synthesizer can write it
        if self.settings.synthesis == "auto":
            return "sections" if capabilities(self.synthesizer(request)).sections else "llm"
        return self.settings.synthesis

    def plans(self) -> bool:
        """MULTIPLEX_PLANNER, or with `auto` whether the configured model can plan."""
        if self.settings.planner == "auto":
            return capabilities(self.settings.model).plans
        return self.settings.planner == "on"

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
        """One model call, booked: never raises a provider failure, returns it with the call. An
        agent the panel's grace leaves behind is cancelled and booked as answered too late."""
        started = time.perf_counter()
        completion: Completion | None = None
        error: MultiplexError | None = None
        timeout = self.settings.synthesizer_timeout_s if role == "synthesizer" else None
        work = self.llm.generate(
            model, messages, params, CallTag(role, perspective, perspectives), on_token, timeout_s=timeout
        )
        try:
            if role == "perspective" and self.panel is not None:
                completion = await self.panel.in_time(work)
            else:
                completion = await work
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


@lru_cache(maxsize=8)
def _instructions(prompts: Prompts) -> Instructions:
    return Instructions(prompts)


def _finish(reason: str) -> Literal["stop", "length"]:
    return "length" if reason == "length" else "stop"


def wants_format(params: GenerationParams) -> bool:
    return bool(params.response_format and params.response_format.get("type") != "text")
