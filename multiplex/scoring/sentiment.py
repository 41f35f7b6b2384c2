"""VADER sentiment of the sentences that hold references."""

from __future__ import annotations

from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from multiplex.scoring.types import Label

POSITIVE = 0.05
NEGATIVE = -0.05


@lru_cache(maxsize=1)
def analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def compound(sentence: str) -> float:
    return float(analyzer().polarity_scores(sentence)["compound"])


def label(value: float) -> Label:
    if value >= POSITIVE:
        return "positive"
    if value <= NEGATIVE:
        return "negative"
    return "neutral"
