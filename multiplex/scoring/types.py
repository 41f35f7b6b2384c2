"""The scorer's JSON shape (docs/scoring.md, "Scorer JSON"; `grounding` is the quotation check's own)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from multiplex.grounding.check import GroundingScore
from multiplex.scoring.viewpoints import ViewpointScore

__all__ = ["GroundingScore", "Label", "PerspectiveSentiment", "Reference", "ScoreResult", "Sentiment", "SynthesisScore"]

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
    """How an answer treats the drafts behind it (docs/scoring.md, "Synthesis metrics")."""

    retention: dict[str, float] = Field(description="per perspective, 0..1: how much of its draft the answer carries")
    retention_min: float | None = Field(description="the most-lost voice")
    distinct_drafts: float = Field(description="effective number of distinct drafts (Vendi score), 1..N")
    mentions_process: bool = Field(description="the answer speaks of drafts, agents or this process")


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
    masked: str | None = Field(
        None, description="the text with every tradition's names, terms and works' titles hidden (asked with `mask`)"
    )


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
