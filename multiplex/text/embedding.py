"""Sentence similarity for the synthesis metrics: static word embeddings, offline and fast.

WordLlama ships its 256-dimension token embeddings (32,000 tokens, 16 MB) inside its wheel, so
nothing is fetched at run time; a text's vector is its mean-pooled token vectors, unit length,
and similarity is the cosine. Embedding is a table lookup and a sum: thousands of sentences a
second on one core.

Chosen by measurement on the labelled pairs of tests/scoring/labelled_pairs.py (20 each of
paraphrases, the same topic argued from another tradition, and unrelated text): it ranks a
paraphrase above another view in 71% of pairs and another view above unrelated text in 96%;
TF-IDF over content words manages 57% and 65%. Variants of the pooling (unit token vectors,
stop words out) did no better. `python tests/benchmarks/similarity_choice.py` reruns it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

DIMENSIONS = 256


@lru_cache(maxsize=1)
def _model() -> Any:
    import wordllama
    from wordllama import WordLlama

    # Its tokenizer config sits in the package folder, which the default lookup does not search.
    return WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


def embed(texts: Sequence[str]) -> np.ndarray:
    """One unit-length row per text (a zero row for a text with no tokens)."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    rows = np.asarray(_model().embed(list(texts), norm=False), dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


def similarity(a: str, b: str) -> float:
    rows = embed([a, b])
    return float(rows[0] @ rows[1])
