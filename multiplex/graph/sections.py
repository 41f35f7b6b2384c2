"""The `sections` answer: one attributed section per answered perspective, its draft condensed
in its own words (the most central complete sentences, extractively), then a short model-written
closing on common ground and tensions. A small model cannot merge seven drafts, but it can close.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from multiplex.grounding.passages import inner_quotes, single_quotes
from multiplex.grounding.quotes import COMPLETE, attributes_speech, quotations, units
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


def condense(draft: str, question: str, words: int = SECTION_WORDS, attributions: bool = False) -> str:
    """The draft's most central complete sentences, in their order, within `words` words. Without
    `attributions`, sentences that have a named teacher or text speak unquoted are left out."""
    draft = " ".join(draft.split())  # a line break is not a sentence end
    sentences = [unit.strip() for unit in units(draft) if unit.strip()]
    usable = [s for s in sentences if not mentions_process(s) and (attributions or not _unsupported(s))]
    candidates = [s for s in usable if _complete(s)]
    if not candidates:
        return " ".join(" ".join(usable).split()[:words])
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


def _unsupported(sentence: str) -> bool:
    """A sentence that has a named teacher or text speak with no quotation (the draft's guard has
    already removed every quotation no source holds): a section leaves it out, its own passage
    speaks for the tradition instead."""
    return attributes_speech(sentence) and not quotations(sentence)


def brief(section: str, words: int = BRIEF_WORDS) -> str:
    """A section's opening sentences, within `words` words (at least one sentence)."""
    kept: list[str] = []
    for sentence in split_sentences(section):
        if kept and len(" ".join(kept).split()) + len(sentence.split()) > words:
            break
        kept.append(sentence)
    return " ".join(kept)


class Quotable(Protocol):
    work: str
    locator: str
    text: str


# What a section says when nothing of its voice's draft may be shown: the voice is never dropped
# from the answer unannounced, and nothing unchecked is put in its mouth.
WITHHELD = (
    "This voice answered, but nothing it wrote can be shown here: its sentences spoke of the process, "
    "not the question, or quoted words no source holds."
)


def section_body(text: str, passage: Quotable | None = None) -> str:
    """A voice's section after its heading: its draft condensed, then (when it has one) its most
    relevant passage, word for word, named as a work, in the third person."""
    return " ".join(part for part in (text, quoted_passage(passage) if passage is not None else "") if part)


def section_heading(card: Perspective) -> str:
    """A section's heading, outside every guard: a voice that answered is always named."""
    return f"**{card.name}.** "


def quoted_passage(passage: Quotable) -> str:
    """The passage quoted whole, in curly quotation marks, after its work and place (the answer's
    references give the rest)."""
    return f"{single_quotes(passage.work)}, {single_quotes(passage.locator)}: “{inner_quotes(passage.text)}”"


CLOSING_HEADING = "**Common ground and tensions.** "
BLOCKS = "\n\n"  # between an answer's blocks: sections, the closing, the references
