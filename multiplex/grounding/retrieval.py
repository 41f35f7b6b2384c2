"""Retrieval: the passages of a perspective's works most relevant to a question.

Two signals over one corpus, built once and cached in the user's cache folder under the corpus's
digest (the files' bytes and the review), so a start-up reads them instead of building them:

- BM25 (k1 1.2, b 0.75, IDF over the whole corpus) on lower-cased words, stop words and the
  archaic pronouns of old translations out, plural and -ing/-ed endings cut;
- dense: the WordLlama embeddings the scorer already uses, cosine to the question.

`hybrid` adds the two, each scaled to 0..1 within the card's passages first. Agents are given the
dense ranking: on the labelled set (tests/grounding/retrieval_judgements.json, 172 judgements of
21 questions over the seven traditions) it finds a relevant passage first 38% of the time, BM25 19%,
the hybrid 29%, and no variant tried did better (`python tests/benchmarks/retrieval_choice.py`).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from scipy import sparse

from multiplex.grounding.passages import Corpus, Passage

log = logging.getLogger("multiplex.grounding")
Method = Literal["bm25", "dense", "hybrid"]
K1, B = 1.2, 0.75
_WORD = re.compile(r"[a-z]+")
STOP = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
    off on once only or other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up upon very was we were
    what when where which while who whom why will with would you your yours yourself yourselves shall may might
    must also yet thus one ever every thou thee thy thine ye hath doth hast dost art unto shalt wilt thereof
    whereof o oh let us say said says saith""".split()
)


def _stem(word: str) -> str:
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


def terms(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return [_stem(w) for w in _WORD.findall(plain) if w not in STOP and len(w) > 1]


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float


class Index:
    def __init__(self, corpus: Corpus, weights: sparse.csc_matrix, vocab: dict[str, int], dense: np.ndarray) -> None:
        self.corpus = corpus
        self.weights = weights  # passages x terms: each term's BM25 weight in each passage
        self.vocab = vocab
        self.dense = dense  # passages x 256, unit rows
        self.rows_of: dict[str, np.ndarray] = {}  # works -> their rows
        self._dense_of: dict[bytes, np.ndarray] = {}  # works -> their rows of `dense`, sliced once

    @classmethod
    def build(cls, corpus: Corpus) -> Index:
        from multiplex.text.embedding import embed

        docs = [Counter(terms(p.text)) for p in corpus.passages]
        vocab: dict[str, int] = {}
        rows, cols, counts = [], [], []
        for i, doc in enumerate(docs):
            for term, count in doc.items():
                rows.append(i)
                cols.append(vocab.setdefault(term, len(vocab)))
                counts.append(count)
        n = len(docs)
        lengths = np.array([sum(d.values()) for d in docs], dtype=np.float32)
        tf = np.array(counts, dtype=np.float32)
        df = np.bincount(np.array(cols, dtype=np.int64), minlength=len(vocab)).astype(np.float32)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        norm = K1 * (1 - B + B * lengths[rows] / max(float(lengths.mean()), 1.0))
        weight = idf[cols] * tf * (K1 + 1) / (tf + norm)
        weights = sparse.csc_matrix((weight, (rows, cols)), shape=(n, len(vocab)), dtype=np.float32)
        dense = embed([p.text for p in corpus.passages])
        return cls(corpus, weights, vocab, dense)

    # caching ---------------------------------------------------------------------------------
    @classmethod
    def cached(cls, corpus: Corpus, folder: Path) -> Index:
        path = folder / f"retrieval-{corpus.digest}.npz"
        if path.is_file():
            try:
                return cls._load(corpus, path)
            except (OSError, ValueError, KeyError) as exc:
                log.warning("the retrieval index cache %s is unreadable (%s); building it again", path, exc)
        index = cls.build(corpus)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part.npz")
            np.savez(
                partial,
                data=index.weights.data,
                indices=index.weights.indices,
                indptr=index.weights.indptr,
                shape=np.array(index.weights.shape),
                vocab=np.array(sorted(index.vocab, key=index.vocab.__getitem__)),
                dense=index.dense.astype(np.float16),
            )
            partial.replace(path)
        except OSError as exc:  # a read-only home: the index is rebuilt at each start
            log.warning("cannot cache the retrieval index in %s (%s)", folder, exc)
        return index

    @classmethod
    def _load(cls, corpus: Corpus, path: Path) -> Index:
        with np.load(path) as data:
            weights = sparse.csc_matrix(
                (data["data"], data["indices"], data["indptr"]), shape=tuple(int(x) for x in data["shape"])
            )
            vocab = {str(term): i for i, term in enumerate(data["vocab"])}
            dense = data["dense"].astype(np.float32)
        if weights.shape[0] != len(corpus) or dense.shape[0] != len(corpus):
            raise ValueError("it does not match the corpus")
        return cls(corpus, weights, vocab, dense)

    # searching -------------------------------------------------------------------------------
    def rows(self, works: Sequence[str]) -> np.ndarray:
        key = "\0".join(works)
        if key not in self.rows_of:
            wanted = set(works)
            self.rows_of[key] = np.array(
                [i for i, p in enumerate(self.corpus.passages) if p.id.split(".")[1] in wanted], dtype=np.int64
            )
        return self.rows_of[key]

    def bm25(self, query: str, rows: np.ndarray) -> np.ndarray:
        cols = sorted({self.vocab[t] for t in terms(query) if t in self.vocab})
        if not cols:
            return np.zeros(len(rows), dtype=np.float32)
        return np.asarray(self.weights[:, cols].sum(axis=1)).ravel()[rows]

    def cosine(self, query: str, rows: np.ndarray) -> np.ndarray:
        from multiplex.text.embedding import embed

        key = rows.tobytes()
        if key not in self._dense_of:
            self._dense_of[key] = np.ascontiguousarray(self.dense[rows])
        return self._dense_of[key] @ embed([query])[0]

    def search(self, query: str, works: Sequence[str], k: int, method: Method = "dense") -> list[Hit]:
        rows = self.rows(works)
        if not len(rows) or k <= 0:
            return []
        if method == "bm25":
            scores = self.bm25(query, rows)
        elif method == "dense":
            scores = self.cosine(query, rows)
        else:
            scores = _unit(self.bm25(query, rows)) + _unit(self.cosine(query, rows))
        top = np.argsort(-scores, kind="stable")[:k]
        return [Hit(self.corpus.passages[int(rows[i])], float(scores[i])) for i in top]


def _unit(scores: np.ndarray) -> np.ndarray:
    low, high = float(scores.min()), float(scores.max())
    return (scores - low) / (high - low) if high > low else np.zeros_like(scores)


_lock = threading.Lock()
_indexes: dict[tuple[str, Path], Index] = {}


def index_for(corpus: Corpus, cache: Path) -> Index:
    """The corpus's index, built or read once per process."""
    with _lock:
        key = (corpus.digest, cache)
        if key not in _indexes:
            _indexes[key] = Index.cached(corpus, cache)
        return _indexes[key]
