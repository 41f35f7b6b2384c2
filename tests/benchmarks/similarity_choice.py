"""Which similarity measure for the synthesis metrics? Both candidates on the labelled pairs of
tests/scoring/labelled_pairs.py: mean similarity per kind, and how often a paraphrase scores above
an other-view pair and an other-view pair above an unrelated one (AUC, 1 = always).

    python tests/benchmarks/similarity_choice.py
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Callable

from multiplex.text.embedding import similarity
from tests.scoring.labelled_pairs import OTHER_VIEW, PARAPHRASE, UNRELATED

_STOP = set(
    "a an the and or but of to in on for with by from as at is are be been was were it its this that these those "
    "their they them we our us you your he she his her not no than then so such each every all any own".split()
)


def tfidf_cosine() -> Callable[[str, str], float]:
    """TF-IDF over content words (lower-cased, stop words out), idf from every sentence of the set."""
    docs = {s for pairs in (PARAPHRASE, OTHER_VIEW, UNRELATED) for pair in pairs for s in pair}

    def words(text: str) -> list[str]:
        return [w for w in re.findall(r"[a-z']+", text.lower()) if w not in _STOP]

    df = Counter(w for d in docs for w in set(words(d)))
    idf = {w: math.log(len(docs) / n) + 1 for w, n in df.items()}

    def vector(text: str) -> dict[str, float]:
        counts = Counter(words(text))
        return {w: c * idf.get(w, 1.0) for w, c in counts.items()}

    def cosine(a: str, b: str) -> float:
        va, vb = vector(a), vector(b)
        dot = sum(va[w] * vb.get(w, 0.0) for w in va)
        norm = math.sqrt(sum(v * v for v in va.values())) * math.sqrt(sum(v * v for v in vb.values()))
        return dot / norm if norm else 0.0

    return cosine


def wordllama_mean_pooling() -> Callable[[str, str], float]:
    """WordLlama's own embedding: its mean pooling of raw token vectors, stop words kept."""
    from pathlib import Path

    import wordllama
    from wordllama import WordLlama

    model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    return lambda a, b: float(model.similarity(a, b))


def unit_token_vectors(stop_words: bool) -> Callable[[str, str], float]:
    """A variant pooling: the mean of unit-length token vectors, optionally without stop words."""
    import numpy as np

    from multiplex.text.embedding import _model

    model = _model()
    table = np.array(model.embedding, dtype=np.float32, copy=True)  # the model's own table stays as it is
    table /= np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-9)

    def vector(text: str) -> np.ndarray:
        words = [w for w in re.findall(r"[A-Za-z']+", text) if not (stop_words and w.lower() in _STOP)]
        ids = model.tokenizer.encode_batch([" ".join(words)], add_special_tokens=False)[0].ids
        v = table[ids].mean(axis=0)
        return v / np.linalg.norm(v)

    return lambda a, b: float(vector(a) @ vector(b))


def auc(high: list[float], low: list[float]) -> float:
    wins = sum((h > lo) + 0.5 * (h == lo) for h in high for lo in low)
    return wins / (len(high) * len(low))


def main() -> None:
    measures = {
        "WordLlama, mean pooling (chosen)": similarity,
        "WordLlama, unit token vectors": unit_token_vectors(stop_words=False),
        "WordLlama, unit token vectors, no stop words": unit_token_vectors(stop_words=True),
        "TF-IDF over content words": tfidf_cosine(),
    }
    print("| measure | paraphrase | other view | unrelated | AUC para > other | AUC other > unrelated |")
    print("|---|---|---|---|---|---|")
    for name, measure in measures.items():
        kinds = [[measure(a, b) for a, b in pairs] for pairs in (PARAPHRASE, OTHER_VIEW, UNRELATED)]
        means = [statistics.fmean(k) for k in kinds]
        print(
            f"| {name} | {means[0]:.2f} | {means[1]:.2f} | {means[2]:.2f} | "
            f"{auc(kinds[0], kinds[1]):.2f} | {auc(kinds[1], kinds[2]):.2f} |"
        )


if __name__ == "__main__":
    main()
