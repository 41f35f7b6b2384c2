"""Synthesis metrics: does an answer keep every voice of the drafts behind it, are the drafts
really different from each other, and does the answer talk about its own making?

None of these counts the cards' lexicon, so none is high by construction of the roster:

- retention (per perspective): for each sentence of the draft, its best cosine similarity among
  the answer's sentences, averaged (clipped at 0). 1 = every sentence is in the answer; on the
  labelled pairs of tests/scoring/labelled_pairs.py a paraphrase scores 0.30 on average, the same
  topic argued from another tradition 0.20, unrelated text about 0. Coverage in the manner of
  Modular Pluralism's max-over-answer matching (Feng et al. 2024, arXiv 2406.15951).
- distinct_drafts: the Vendi score (Friedman and Dieng 2023) of the drafts: exp of the entropy of
  the eigenvalues of their cosine-similarity matrix / N. N identical drafts give 1, N unrelated
  drafts give N.
- mentions_process: the answer speaks of drafts, agents, a panel, the user or this process
  instead of to the user.
"""

from __future__ import annotations

import re

import numpy as np

from multiplex.scoring.lexicon import normalise
from multiplex.scoring.types import SynthesisScore
from multiplex.text.embedding import embed
from multiplex.text.sentences import split_sentences

PROCESS_TALK = re.compile(
    r"\bdrafts?\b"
    r"|\b(?:perspective|synthesi[sz]er|multiplex|ai) agents?\b"
    r"|\b(?:the|these|those|each|all|other|both|seven|six|five|four|three|two|\d+) agents\b"
    r"|\b(?:the|this|our|a) panel\b|\bpanel(?:ists?| members?)\b"
    r"|\bsynthesi[sz]er\b"
    r"|\bas an ai\b|\blanguage model\b"
    r"|\bthe user(?:'s)?\b"
    r"|\b(?:provided|given|above|previous|preceding) (?:answers|responses|texts|perspectives|views)\b"
    r"|\b(?:first|second|third|fourth|fifth|sixth|seventh|last) (?:answer|response|text)\b"
    r"|\bthis (?:response|synthesis)\b|\b(?:revised|rewritten) version\b",
    re.IGNORECASE,
)


def mentions_process(text: str) -> bool:
    return PROCESS_TALK.search(text) is not None


def retention(draft: np.ndarray, answer: np.ndarray) -> float:
    """Mean over the draft's sentence rows of their best match among the answer's rows."""
    if len(draft) == 0:
        return 1.0  # an empty draft has nothing to lose
    if len(answer) == 0:
        return 0.0
    best = (draft @ answer.T).max(axis=1)
    return float(np.clip(best, 0.0, 1.0).mean())


def vendi(rows: np.ndarray) -> float:
    """Effective number of distinct rows (unit vectors): 1 when all are the same, N when orthogonal."""
    n = len(rows)
    if n <= 1:
        return float(n)
    eigenvalues = np.clip(np.linalg.eigvalsh((rows @ rows.T) / n), 0.0, None)
    eigenvalues = eigenvalues[eigenvalues > 1e-12]
    return float(np.exp(-(eigenvalues * np.log(eigenvalues)).sum()))


def synthesis_score(text: str, drafts: dict[str, str]) -> SynthesisScore:
    answer_sentences = split_sentences(normalise(text))
    draft_sentences = {pid: split_sentences(normalise(draft)) for pid, draft in drafts.items()}
    # One embedding call for everything: the answer's sentences, every draft's sentences, every draft.
    batch = answer_sentences + [s for ss in draft_sentences.values() for s in ss] + list(drafts.values())
    rows = embed(batch)
    answer_rows, at = rows[: len(answer_sentences)], len(answer_sentences)
    kept: dict[str, float] = {}
    for pid, ss in draft_sentences.items():
        kept[pid] = round(retention(rows[at : at + len(ss)], answer_rows), 4)
        at += len(ss)
    return SynthesisScore(
        retention=kept,
        retention_min=min(kept.values()) if kept else None,
        distinct_drafts=round(vendi(rows[at:]), 4),
        mentions_process=mentions_process(text),
    )
