"""Guards on what the user reads, streamed or not: text passes through them sentence by sentence.

`ProcessTalkFilter`: a sentence of the model's that speaks of drafts, agents, a panel or this
process never reaches the user.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from multiplex.scoring.synthesis import mentions_process

COMPLETE = re.compile(r"[.!?…][\"'”’)\]]*$")
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
        if rest.strip() and not (drop_unfinished and not COMPLETE.search(rest.rstrip())):
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
