"""WorldView-Bench scorer: cultural references, PDS, PDS entropy, sentiment, synthesis metrics."""

from multiplex.scoring.scorer import LEXICON, Scorer, aggregate, score_references, score_text
from multiplex.scoring.types import CorpusScore, Reference, ScoreResult, SynthesisScore

__all__ = [
    "LEXICON",
    "CorpusScore",
    "Reference",
    "ScoreResult",
    "Scorer",
    "SynthesisScore",
    "aggregate",
    "score_references",
    "score_text",
]
