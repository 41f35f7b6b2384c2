"""Plain types that travel between the graph and the LLM layer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, computed_field

LOOP_HEADER = "x-multiplex-loop"  # on every upstream call; an incoming request that carries it is refused


class Usage(BaseModel):
    """Tokens of one call, or of several summed: OpenAI's `usage` shape."""

    model_config = ConfigDict(frozen=True)

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


@dataclass(slots=True, frozen=True)
class GenerationParams:
    """What a client may tune per request; None leaves the provider's default."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] | None = None
    seed: int | None = None
    response_format: dict[str, Any] | None = None
    user: str | None = None

    def litellm_kwargs(self) -> dict[str, Any]:
        values = asdict(self)
        if values["stop"] is not None:
            values["stop"] = list(values["stop"])
        return {k: v for k, v in values.items() if v is not None}


@dataclass(slots=True, frozen=True)
class CallTag:
    """Who is calling: travels to the provider as litellm `metadata` (in-process providers read it,
    remote providers never see it)."""

    role: str  # baseline | contextual | task | planner | perspective | synthesizer | judge
    perspective: str | None = None
    perspectives: tuple[str, ...] = field(default_factory=tuple)

    def metadata(self) -> dict[str, Any]:
        return {
            "multiplex_role": self.role,
            "perspective": self.perspective,
            "perspectives": list(self.perspectives),
        }


@dataclass(slots=True)
class Completion:
    text: str
    usage: Usage
    finish_reason: str = "stop"  # "length" when max_tokens cut the answer
