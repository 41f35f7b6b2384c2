"""The run record: what one run did and what it returned, as one typed model.

The graph's nodes fill it (each its own part), the engine closes it, and every surface shows a
dump of it: the API's `multiplex` extension (`RunRecord`, the answer text being the message
itself), `ask --json` and the bench's records (`RunResult`, with the text). Metrics and billing
loop over `calls`, one row per model call, so nothing is inferred from names.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, PrivateAttr, computed_field

from multiplex.errors import Failure, MultiplexError
from multiplex.graph.analysis import Analysis
from multiplex.grounding.passages import Passage
from multiplex.llm.types import Usage
from multiplex.scoring.types import ScoreResult

Role = Literal["baseline", "contextual", "task", "perspective", "planner", "considerations", "synthesizer"]
FinishReason = Literal["stop", "length"]


class AgentCall(BaseModel):
    """One model call of a run: who made it, with which model, what it cost, how it ended."""

    role: Role
    perspective: str | None = Field(None, description="the perspective whose agent made it")
    model: str
    usage: Usage = Field(default_factory=Usage)
    latency_ms: float = 0.0
    finish_reason: FinishReason | None = Field(None, description="why the model stopped; none when it failed")
    failure: Failure | None = None
    error: str | None = None


class Citation(BaseModel):
    """A source passage behind a voice: the passage as the source has it, never the model's words."""

    id: str
    work: str
    author: str | None = None
    translator: str | None = None
    year: int | None = None
    locator: str
    text: str
    verified: bool = Field(False, description="the voice's own words quote this passage word for word")

    @classmethod
    def of(cls, passage: Passage, verified: bool = False) -> Citation:
        return cls(**passage.model_dump(exclude={"tradition"}), verified=verified)

    def reference(self) -> str:
        """Its line in an answer's sources, as the passage's own."""
        return Passage(tradition="", **self.model_dump(exclude={"verified"})).reference()


class Claim(BaseModel):
    """A sentence that said of a tradition what its texts and card do not support: never shown."""

    perspectives: list[str] = Field(description="the traditions it spoke of")
    sentence: str
    reason: str


class Grounding(BaseModel):
    """What the guards found in the drafts and the answer: quotations of five words or more, those
    found in a source, those that were not (their sentences never reach the user), sentences that
    put words in a named teacher's or text's mouth with no verified quotation, claims about a
    tradition its texts do not support (left out), sentences repeating our own instructions (left
    out), and the passages shown in the answer."""

    quotations: int = 0
    verified: int = 0
    removed: int = 0
    unsupported_attributions: list[str] = Field(default_factory=list)
    unsupported_claims: list[Claim] = Field(
        default_factory=list, description="claims about a tradition that its texts and card do not support, left out"
    )
    echoed: int = Field(0, description="sentences that repeated multiplex's own instructions, left out")
    quoted: list[str] = Field(default_factory=list, description="ids of the passages verified quotations come from")
    passages_shown: list[str] = Field(
        default_factory=list, description="ids of the passages quoted in the answer's sections, as fitting the question"
    )
    passages_withheld: int = Field(
        0, description="voices whose best passage did not fit the question closely enough to be quoted"
    )

    def __add__(self, other: Grounding) -> Grounding:
        return Grounding(
            quotations=self.quotations + other.quotations,
            verified=self.verified + other.verified,
            removed=self.removed + other.removed,
            unsupported_attributions=self.unsupported_attributions + other.unsupported_attributions,
            unsupported_claims=self.unsupported_claims + other.unsupported_claims,
            echoed=self.echoed + other.echoed,
            quoted=list(dict.fromkeys(self.quoted + other.quoted)),
            passages_shown=list(dict.fromkeys(self.passages_shown + other.passages_shown)),
            passages_withheld=self.passages_withheld + other.passages_withheld,
        )


class PerspectiveRecord(BaseModel):
    """One perspective agent's part: its draft, or why there is none."""

    id: str
    name: str
    status: Literal["ok", "failed"]
    content: str = ""
    model: str
    latency_ms: float = 0.0
    usage: Usage = Field(default_factory=Usage)
    finish_reason: FinishReason | None = None
    task: str | None = Field(None, description="the planner's task for this agent, when a planner ran")
    failure: Failure | None = Field(None, description="why the agent did not answer")
    error: str | None = None
    citations: list[Citation] = Field(
        default_factory=list, description="the passages of its tradition's texts it was given, and any it quoted"
    )
    _exception: MultiplexError | None = PrivateAttr(None)

    @classmethod
    def failed(cls, id: str, name: str, model: str, exc: MultiplexError, **fields: object) -> PerspectiveRecord:
        record = cls(id=id, name=name, status="failed", model=model, failure=exc.failure, error=exc.message, **fields)
        record._exception = exc
        return record

    @property
    def exception(self) -> MultiplexError | None:
        """The error behind a failure, while the run is alive (it is not part of the dump)."""
        return self._exception


class SynthesisRecord(BaseModel):
    """How a mas answer was written from its drafts, and what was mended on the way."""

    strategy: Literal["llm", "sections"] = Field(description="the strategy the run asked for")
    model: str | None = Field(None, description="the model that wrote the answer's model-written part, if any")
    removed_sentences: int = Field(0, description="sentences removed for speaking of the drafts, agents or process")
    replaced: bool = Field(False, description="the llm synthesis was replaced by the sections of the drafts")
    closing: bool = Field(False, description="sections: a model-written closing on common ground and tensions")
    restored: list[str] = Field(
        default_factory=list, description="voices the llm synthesis lost, restored from their own drafts"
    )
    note: str | None = Field(None, description="what went wrong on the way and what stands in for it")
    failed: list[str] = Field(
        default_factory=list,
        description="the calls behind the answer that failed (`considerations`, `synthesizer`, `closing`): it is whole "
        "without them, but not what it would have been",
    )
    words: int = Field(0, description="words of the answer, its sources list and citation marks not counted")
    word_budget: int | None = Field(
        None, description="the most words it was allowed: MULTIPLEX_ANSWER_LENGTH times its considerations' words"
    )


class ConsiderationsRecord(BaseModel):
    """mas: the call, run beside the voices, that sets out the question's main considerations on
    each side, which the answer opens with."""

    status: Literal["ok", "failed"]
    content: str = ""
    model: str
    latency_ms: float = 0.0
    usage: Usage = Field(default_factory=Usage)
    finish_reason: FinishReason | None = None
    failure: Failure | None = None
    error: str | None = None


class AgentUsage(BaseModel):
    role: Role
    perspective: str | None = None
    model: str
    latency_ms: float
    prompt_tokens: int
    completion_tokens: int


class RunUsage(Usage):
    """The run's tokens: the total of every call (what a bill counts, the response's `usage`), the
    answer's own, and a row per agent call."""

    answer_tokens: int = Field(0, description="tokens of the answer the client reads (cl100k_base)")
    agents: list[AgentUsage] = Field(default_factory=list)


class RunRecord(BaseModel):
    """Everything about a run but the answer text."""

    mode: str = Field(description="baseline, contextual, mas, perspective, or task (a chat client's housekeeping)")
    model: str = Field(description="the configured model of the run's agents")
    finish_reason: FinishReason = "stop"
    perspectives: list[PerspectiveRecord] = Field(default_factory=list)
    considerations: ConsiderationsRecord | None = Field(
        None, description="mas: the question's main considerations on each side, which the answer opens with"
    )
    synthesis: SynthesisRecord | None = None
    calls: list[AgentCall] = Field(default_factory=list, description="every model call, in the order they ended")
    grounding: Grounding | None = Field(None, description="the quotation and attribution guards' findings")
    analysis: Analysis | None = Field(None, description="mas: agreements, tensions, distinctive points, missing voices")
    answer_tokens: int = Field(0, exclude=True)
    latency_ms: float = 0.0
    scores: ScoreResult | None = None
    score_error: str | None = Field(None, description="why the answer has no scores (the judge failed)")
    cached: bool = Field(
        False, description="the answer came from the answer cache: no model was called ('calls' are the first run's)"
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def usage(self) -> RunUsage:
        """Tokens of every call of the run (what a bill counts), the answer's own, and per call."""
        total = sum((c.usage for c in self.calls), Usage())
        return RunUsage(
            prompt_tokens=total.prompt_tokens,
            completion_tokens=total.completion_tokens,
            answer_tokens=self.answer_tokens,
            agents=[
                AgentUsage(
                    role=c.role,
                    perspective=c.perspective,
                    model=c.model,
                    latency_ms=c.latency_ms,
                    prompt_tokens=c.usage.prompt_tokens,
                    completion_tokens=c.usage.completion_tokens,
                )
                for c in self.calls
            ],
        )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def missing(self) -> list[str]:
        """The perspectives that took part but did not answer."""
        return [p.id for p in self.perspectives if p.status == "failed"]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def degraded(self) -> bool:
        """Some voice is missing from the answer."""
        return bool(self.missing)

    @property
    def complete(self) -> bool:
        """Every voice answered and every call behind the answer did its part: what may be cached."""
        return not self.missing and not (self.synthesis is not None and self.synthesis.failed)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def synthesizer(self) -> AgentCall | None:
        """The synthesizer call that wrote the answer (mas): its model, usage and latency."""
        written = [c for c in self.calls if c.role == "synthesizer" and c.failure is None]
        return written[-1] if written else None


class RunResult(RunRecord):
    """A run's record with its answer: what `ask --json` prints and the bench stores."""

    text: str

    @property
    def drafts(self) -> dict[str, str]:
        return {p.id: p.content for p in self.perspectives if p.status == "ok"}
