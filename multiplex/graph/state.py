"""What a run takes, what it yields while running, and the state its graph carries."""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypedDict

from multiplex.errors import InvalidRequest
from multiplex.graph.analysis import Analysis
from multiplex.graph.record import (
    AgentCall,
    ConsiderationsRecord,
    FinishReason,
    Grounding,
    PerspectiveRecord,
    RunResult,
    SynthesisRecord,
)
from multiplex.llm.types import GenerationParams
from multiplex.roster import Perspective, Roster
from multiplex.scoring.viewpoints import Viewpoint

# What the engine runs: the modes a user picks (below), one perspective agent alone, and a chat
# client's housekeeping task.
Mode = Literal["baseline", "contextual", "mas", "perspective", "task"]
# The modes a user picks (CLI, bench, served `multiplex-<mode>` models), and their descriptions.
MODES: dict[Mode, str] = {
    "baseline": "The plain model with no system prompt of ours (uniplex baseline).",
    "contextual": "One model call with the multiplex system prompt (contextually-implemented multiplex).",
    "mas": "One agent per perspective in parallel, then a synthesis (MAS-implemented multiplex).",
}


def mode_named(name: str) -> Mode:
    """The mode a user named (`ask --mode`, `bench run --modes`); an unknown one is refused."""
    for mode in MODES:
        if mode == name:
            return mode
    raise InvalidRequest(f"unknown mode '{name}': use {', '.join(MODES)}", param="mode")


@dataclass(frozen=True)
class RunRequest:
    """One question to answer. `messages` is an OpenAI-style chat history ending with the user."""

    messages: list[dict[str, Any]]
    mode: Mode = "mas"
    params: GenerationParams = field(default_factory=GenerationParams)
    perspectives: tuple[str, ...] | None = None  # mas: a subset of the roster; perspective: exactly one
    stream: bool = False  # stream tokens from the models (else one call each, cheaper)
    score: bool = True  # score the answer (and, in mas, the synthesis against its drafts)
    viewpoints: tuple[Viewpoint, ...] | None = None  # people's viewpoints on the question: scored for coverage
    models: Mapping[str, str] = field(default_factory=dict)  # perspective id -> its model for this run
    synthesizer_model: str | None = None  # the synthesizer's model for this run
    cache: bool = True  # may be answered from the answer cache (and stored in it)

    @classmethod
    def ask(
        cls,
        question: str,
        *,
        mode: Mode = "mas",
        params: GenerationParams | None = None,
        perspectives: tuple[str, ...] | None = None,
        stream: bool = False,
        score: bool = True,
        viewpoints: tuple[Viewpoint, ...] | None = None,
    ) -> RunRequest:
        """One question as the whole conversation."""
        return cls(
            messages=[{"role": "user", "content": question}],
            mode=mode,
            params=params or GenerationParams(),
            perspectives=perspectives,
            stream=stream,
            score=score,
            viewpoints=viewpoints,
        )


@dataclass(frozen=True)
class PreparedRun:
    """A request the engine checked once (`Engine.prepare`), with the perspectives taking part:
    what `Engine.stream` and `Engine.run` take, so that nothing is checked twice."""

    request: RunRequest
    roster: Roster


# Events a streaming run yields, in order: for mas, PerspectiveStarted/Delta/Done interleaved
# across agents, then AnswerDelta tokens, then AnalysisDone; always RunDone last.
@dataclass(frozen=True)
class PerspectiveStarted:
    id: str
    name: str


@dataclass(frozen=True)
class PerspectiveDelta:
    id: str
    text: str


@dataclass(frozen=True)
class PerspectiveDone:
    record: PerspectiveRecord


@dataclass(frozen=True)
class AnswerDelta:
    text: str


@dataclass(frozen=True)
class AnalysisDone:
    analysis: Analysis


@dataclass(frozen=True)
class RunDone:
    result: RunResult


Event = PerspectiveStarted | PerspectiveDelta | PerspectiveDone | AnswerDelta | AnalysisDone | RunDone


class GraphState(TypedDict, total=False):
    request: RunRequest
    roster: Roster
    tasks: dict[str, str]
    records: Annotated[list[PerspectiveRecord], operator.add]
    considerations: ConsiderationsRecord
    calls: Annotated[list[AgentCall], operator.add]
    grounding: Annotated[list[Grounding], operator.add]
    answer: str
    finish_reason: FinishReason
    synthesis: SynthesisRecord
    analysis: Analysis


class ConsiderationsInput(TypedDict):
    request: RunRequest


class PerspectiveInput(TypedDict):
    request: RunRequest
    perspective: Perspective
    task: str | None
    panel_size: int
