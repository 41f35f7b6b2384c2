"""The `sections` answer: one attributed section per answered perspective, its draft condensed
in its own words (the most central complete sentences, extractively), then a short model-written
closing on common ground and tensions. A small model cannot merge seven drafts, but it can close.
"""

from __future__ import annotations

import numpy as np

from multiplex.graph.guards import COMPLETE
from multiplex.roster import Perspective
from multiplex.scoring.similarity import embed
from multiplex.scoring.synthesis import mentions_process, split_sentences

SECTION_WORDS = 80  # words kept of each draft in a section
SECTION_DRAFT_TOKENS = 96  # a draft longer than a section keeps only feeds the condensing
BRIEF_WORDS = 30  # what the closing reads of each section
CLOSING_TOKENS = 120  # the most the closing may write
CLOSING_OPENING = "Across these traditions,"  # continued by in-process models, which otherwise wander
_MIN_WORDS = 4


def _complete(sentence: str) -> bool:
    return bool(COMPLETE.search(sentence)) and len(sentence.split()) >= _MIN_WORDS


def condense(draft: str, question: str, words: int = SECTION_WORDS) -> str:
    """The draft's most central complete sentences, in their order, within `words` words."""
    draft = " ".join(draft.split())  # a line break is not a sentence end
    candidates = [s for s in split_sentences(draft) if _complete(s) and not mentions_process(s)]
    if not candidates:
        cleaned = " ".join(s for s in split_sentences(draft) if not mentions_process(s))
        return " ".join(cleaned.split()[:words])
    rows = embed([*candidates, question])
    sentence_rows, question_row = rows[:-1], rows[-1]
    centrality = (sentence_rows @ sentence_rows.T).mean(axis=1) + 0.5 * (sentence_rows @ question_row)
    chosen: list[int] = []
    total = 0
    for i in np.argsort(-centrality, kind="stable"):
        length = len(candidates[i].split())
        if chosen and total + length > words:
            continue
        chosen.append(int(i))
        total += length
    return " ".join(candidates[i] for i in sorted(chosen))


def brief(section: str, words: int = BRIEF_WORDS) -> str:
    """A section's opening sentences, within `words` words (at least one sentence)."""
    kept: list[str] = []
    for sentence in split_sentences(section):
        if kept and len(" ".join(kept).split()) + len(sentence.split()) > words:
            break
        kept.append(sentence)
    return " ".join(kept)


def section_text(card: Perspective, text: str) -> str:
    return f"**{card.name}.** {text}\n\n"


CLOSING_HEADING = "**Common ground and tensions.** "
