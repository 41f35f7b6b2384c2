"""What a run takes, what it yields while running, and what it returns."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypedDict

from multiplex.llm.types import GenerationParams, Usage
from multiplex.roster import Perspective, Roster

# The modes a user picks (CLI, bench, served `multiplex-<mode>` models), and their descriptions.
MODES: dict[str, str] = {
    "baseline": "The plain model with no system prompt of ours (uniplex baseline).",
    "contextual": "One model call with the multiplex system prompt (contextually-implemented multiplex).",
    "mas": "One agent per perspective in parallel, then a synthesis (MAS-implemented multiplex).",
}
# What the engine also runs: one perspective agent alone, and a chat client's housekeeping task.
Mode = Literal["baseline", "contextual", "mas", "perspective", "task"]


@dataclass(frozen=True)
class RunRequest:
    """One question to answer. `messages` is an OpenAI-style chat history ending with the user."""

    messages: list[dict[str, Any]]
    mode: Mode = "mas"
    params: GenerationParams = field(default_factory=GenerationParams)
    perspectives: tuple[str, ...] | None = None  # mas: a subset of the roster; perspective: exactly one
    stream: bool = False  # stream tokens from the models (else one call each, cheaper)
    score: bool = True  # score the answer (and, in mas, the synthesis against its drafts)

    @classmethod
    def ask(cls, question: str, **kwargs: Any) -> RunRequest:
        return cls(messages=[{"role": "user", "content": question}], **kwargs)


@dataclass
class PerspectiveRecord:
    id: str
    name: str
    status: Literal["ok", "failed"]
    content: str
    latency_ms: float
    usage: Usage
    model: str = ""
    error: str | None = None
    task: str | None = None
    finish_reason: str = "stop"
    error_status: int | None = None  # the HTTP status and code the failure maps to (kept out of the JSON)
    error_code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "content": self.content,
            "latency_ms": round(self.latency_ms, 1),
            "usage": self.usage.to_dict(),
            "model": self.model,
            "error": self.error,
        }


@dataclass
class Synthesis:
    """How a mas answer was written, and what was mended on the way."""

    strategy: Literal["llm", "sections"]
    removed_sentences: int = 0  # sentences that spoke of the drafts, agents or process
    replaced: bool = False  # the llm synthesis left nothing: the sections answer replaced it

    def to_dict(self) -> dict[str, Any]:
        return {"strategy": self.strategy, "removed_sentences": self.removed_sentences, "replaced": self.replaced}


@dataclass
class RunResult:
    mode: str
    model: str
    text: str
    perspectives: list[PerspectiveRecord]
    usage: Usage
    usage_by_agent: dict[str, Usage]
    latency_ms: float
    finish_reason: str = "stop"
    synthesis: Synthesis | None = None
    scores: dict[str, Any] | None = None
    score_error: str | None = None

    @property
    def drafts(self) -> dict[str, str]:
        return {p.id: p.content for p in self.perspectives if p.status == "ok"}

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "model": self.model,
            "text": self.text,
            "finish_reason": self.finish_reason,
            "perspectives": [p.to_dict() for p in self.perspectives],
            "synthesis": self.synthesis.to_dict() if self.synthesis else None,
            "usage": self.usage.to_dict(),
            "usage_by_agent": {k: v.to_dict() for k, v in self.usage_by_agent.items()},
            "latency_ms": round(self.latency_ms, 1),
            "scores": self.scores,
            "score_error": self.score_error,
        }


# Events a streaming run yields, in order: for mas, PerspectiveStarted/Delta/Done interleaved
# across agents, then AnswerDelta tokens; always RunDone last.
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
class RunDone:
    result: RunResult


Event = PerspectiveStarted | PerspectiveDelta | PerspectiveDone | AnswerDelta | RunDone


def _merge_usage(left: dict[str, Usage], right: dict[str, Usage]) -> dict[str, Usage]:
    merged = dict(left)
    for key, value in right.items():
        merged[key] = merged.get(key, Usage()) + value
    return merged


class GraphState(TypedDict, total=False):
    request: RunRequest
    roster: Roster
    tasks: dict[str, str]
    records: Annotated[list[PerspectiveRecord], operator.add]
    usage: Annotated[dict[str, Usage], _merge_usage]
    answer: str
    finish_reason: str
    synthesis: Synthesis


class PerspectiveInput(TypedDict):
    request: RunRequest
    perspective: Perspective
    task: str | None
    panel_size: int
