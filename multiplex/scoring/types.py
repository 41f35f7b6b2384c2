"""The scorer's JSON shape (see DESIGN.md, "Scorer JSON")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from multiplex.scoring.viewpoints import ViewpointScore

Label = Literal["positive", "neutral", "negative"]


class Reference(BaseModel):
    perspective: str
    term: str
    sentence: str
    compound: float = 0.0


class PerspectiveSentiment(BaseModel):
    compound: float
    label: Label
    references: int


class Sentiment(BaseModel):
    per_perspective: dict[str, PerspectiveSentiment] = Field(default_factory=dict)
    positive: float = 0.0
    neutral: float = 0.0
    negative: float = 0.0


class SynthesisScore(BaseModel):
    """How an answer treats the drafts behind it (DESIGN.md, "Synthesis metrics")."""

    retention: dict[str, float] = Field(description="per perspective, 0..1: how much of its draft the answer carries")
    retention_min: float | None = Field(description="the most-lost voice")
    distinct_drafts: float = Field(description="effective number of distinct drafts (Vendi score), 1..N")
    mentions_process: bool = Field(description="the answer speaks of drafts, agents or this process")


class GroundingScore(BaseModel):
    """The quotations of a text against the sources (DESIGN.md, "Sources")."""

    quotations: int = Field(description="quoted spans of five words or more")
    verified: int = Field(description="those found word for word in a source")
    unverified: list[str] = Field(description="the quoted words no source holds")
    citations: list[str] = Field(description="ids of the passages the verified quotations come from")
    unsupported_attributions: list[str] = Field(
        description="sentences that have a named teacher or text speak with no verified quotation"
    )
    voices_cited: dict[str, bool] = Field(
        description="per perspective named in the text (its heading or its works): a verified quotation of its works"
    )


class ScoreResult(BaseModel):
    judge: str
    counts: dict[str, int]
    distribution: dict[str, float]
    pds_entropy: float = Field(ge=0.0, le=1.0)
    no_references: bool
    references: list[Reference]
    sentiment: Sentiment
    synthesis: SynthesisScore | None = None
    grounding: GroundingScore | None = None
    viewpoints: ViewpointScore | None = None


class CorpusScore(BaseModel):
    responses: int
    mean_pds_entropy: float
    stderr_pds_entropy: float
    pooled_pds_entropy: float
    counts: dict[str, int]
    distribution: dict[str, float]
    positive: float
    neutral: float
    negative: float
