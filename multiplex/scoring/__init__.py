"""WorldView-Bench scorer: cultural references, PDS, PDS entropy, sentiment."""

from multiplex.scoring.scorer import aggregate, ascore, score, score_references
from multiplex.scoring.types import CorpusScore, Reference, ScoreResult

__all__ = ["CorpusScore", "Reference", "ScoreResult", "aggregate", "ascore", "score", "score_references"]
