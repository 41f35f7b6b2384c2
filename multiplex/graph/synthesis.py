"""The two ways a mas answer is written from its drafts, and the guard both pass through.

- `llm`: one synthesizer call writes the answer from all the drafts.
- `sections`: one attributed section per answered perspective, its draft condensed in its own
  words (the most central complete sentences, extractively), then a short model-written closing
  on common ground and tensions. A small model cannot merge seven drafts, but it can close.

Either way the model's text passes `ProcessTalkFilter`: a sentence that speaks of drafts, agents,
a panel or this process never reaches the user, streamed or not.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import numpy as np

from multiplex.roster import Perspective
from multiplex.scoring.similarity import embed
from multiplex.scoring.synthesis import mentions_process, split_sentences

SECTION_WORDS = 80  # words kept of each draft in a section
SECTION_DRAFT_TOKENS = 96  # a draft longer than a section keeps only feeds the condensing
BRIEF_WORDS = 30  # what the closing reads of each section
CLOSING_TOKENS = 120  # the most the closing may write
CLOSING_OPENING = "Across these traditions,"  # continued by in-process models, which otherwise wander
_COMPLETE = re.compile(r"[.!?…][\"'”’)\]]*$")
_MIN_WORDS = 4


def _complete(sentence: str) -> bool:
    return bool(_COMPLETE.search(sentence)) and len(sentence.split()) >= _MIN_WORDS


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


_BOUNDARY = re.compile(r"[.!?…][\"'”’)\]]*\s+")


def sentence_pieces(text: str) -> list[str]:
    """`text` cut after each sentence end, the white space after it kept with it."""
    pieces, start = [], 0
    for match in _BOUNDARY.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


class ProcessTalkFilter:
    """Passes a model's text on sentence by sentence, dropping the sentences that speak of the
    process. Holds back at most one unfinished sentence while streaming."""

    def __init__(self, emit: Callable[[str], Awaitable[None]] | None = None) -> None:
        self.emit = emit
        self.kept: list[str] = []
        self.removed = 0
        self._pending = ""

    async def feed(self, token: str) -> None:
        self._pending += token
        cut = max((m.end() for m in _BOUNDARY.finditer(self._pending)), default=0)
        if cut:
            ready, self._pending = self._pending[:cut], self._pending[cut:]
            await self._pass(ready)

    async def close(self, drop_unfinished: bool = False) -> str:
        """Let the last sentence through (or not); returns the text that was kept. With
        `drop_unfinished`, a last sentence cut off mid-way (no end mark) is dropped."""
        rest, self._pending = self._pending, ""
        if rest.strip() and not (drop_unfinished and not _COMPLETE.search(rest.rstrip())):
            await self._pass(rest)
        return "".join(self.kept).strip()

    async def _pass(self, text: str) -> None:
        for sentence in sentence_pieces(text):
            if mentions_process(sentence):
                self.removed += 1
                continue
            self.kept.append(sentence)
            if self.emit is not None:
                await self.emit(sentence)


def trim_to_sentence(text: str) -> str:
    """Drop an unfinished last sentence (a reply cut by its token limit)."""
    text = text.rstrip()
    if _COMPLETE.search(text):
        return text
    ends = [m.end() for m in re.finditer(r"[.!?…][\"'”’)\]]*(?=\s)", text)]
    return text[: ends[-1]] if ends else text
