"""The scorer's JSON shape (see DESIGN.md, "Scorer JSON")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

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


class ScoreResult(BaseModel):
    judge: str
    counts: dict[str, int]
    distribution: dict[str, float]
    pds_entropy: float = Field(ge=0.0, le=1.0)
    no_references: bool
    references: list[Reference]
    sentiment: Sentiment


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
