"""The guard on what the user reads, streamed or not: a model's text passes it in whole sentences
(a quotation is never cut in two), and

- with `echo`, a sentence that repeats multiplex's own instructions is dropped (`graph/echo.py`);
- with `process_talk`, a sentence that speaks of drafts, agents, a panel or this process is dropped;
- with `sources`, a sentence holding a quotation of five words or more that no source holds is
  dropped: an invented saying is never shown as one (the sentence goes, not only its quotation
  marks, since "the Prophet said that ..." without them still puts words in a mouth); a verified
  quotation gets its number in the answer's references (with `references`), and a sentence that has
  a named teacher or text speak with no verified quotation is noted as an unsupported attribution.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from multiplex.graph.echo import Instructions
from multiplex.graph.record import Claim, Grounding
from multiplex.graph.sections import SOURCES_HEADING
from multiplex.grounding.passages import Passage
from multiplex.grounding.quotes import attributes_speech, is_short, quotations, quoted_from
from multiplex.grounding.sources import Sources
from multiplex.grounding.support import Claims
from multiplex.scoring.synthesis import mentions_process
from multiplex.text.sentences import COMPLETE, HOLD_WORDS, ends, let_go, open_quote, sentence_pieces

_MARKER = re.compile(r"^\s*\[\d+\]")


class References:
    """The answer's numbered references: a passage gets its number the first time it is quoted."""

    def __init__(self) -> None:
        self.passages: list[Passage] = []

    def number(self, passage: Passage) -> int:
        ids = [p.id for p in self.passages]
        if passage.id not in ids:
            self.passages.append(passage)
            return len(self.passages)
        return ids.index(passage.id) + 1

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.passages]

    def block(self) -> str:
        if not self.passages:
            return ""
        lines = [f"- [{i}] {p.reference()}" for i, p in enumerate(self.passages, 1)]
        return f"{SOURCES_HEADING}\n" + "\n".join(lines)


class Guard:
    """Passes text on sentence by sentence (see the module's docstring). Holds back at most one
    unfinished sentence, or a quotation still open, while streaming."""

    def __init__(
        self,
        emit: Callable[[str], Awaitable[None]] | None = None,
        *,
        process_talk: bool = False,
        sources: Sources | None = None,
        references: References | None = None,
        asked: str = "",
        echo: Instructions | None = None,
        claims: Claims | None = None,
    ) -> None:
        self.emit = emit
        self.echo = echo
        self.claims = claims
        self.asked = asked  # the user's own words, which a reply may quote back
        self.process_talk = process_talk
        self.sources = sources if sources else None
        self.references = references
        self.kept: list[str] = []
        self.removed = 0  # sentences that spoke of the process
        self.grounding = Grounding()
        self.cited: dict[str, Passage] = {}  # the passages its verified quotations come from
        self._pending = ""
        self._held: list[str] = []  # sentences behind a quotation mark not yet closed
        self._gap = ""  # whitespace after the last text passed on: sent only when more text follows
        self._sent = False

    async def feed(self, token: str) -> None:
        self._pending += token
        cut = max(ends(self._pending), default=0)
        if not cut:
            return
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        for piece in sentence_pieces(ready):
            self._held.append(piece)
            held = "".join(self._held)
            if not open_quote(held):
                self._held = []
                await self._pass(held)
            elif len(held.split()) > HOLD_WORDS:
                await self._let_go()

    async def _let_go(self) -> None:
        """The sentences held behind a quotation mark that did not close, judged as `let_go` reads
        them: that mark is no quotation."""
        pieces, self._held = self._held, []
        for unit in let_go(pieces):
            await self._pass(unit)

    async def close(self, drop_unfinished: bool = False, keep_lone: bool = False) -> str:
        """Let the last sentence through (or not); returns the text that was kept. With
        `drop_unfinished`, a last sentence cut off mid-way (no end mark) is dropped, unless it is
        all there is and `keep_lone` (a draft cut at its budget): then it ends with an ellipsis."""
        rest, self._pending = self._pending, ""
        if self._held and not drop_unfinished and open_quote("".join(self._held) + rest):
            await self._let_go()  # the reply ended with the mark still open: a stray mark, no quotation
        rest, self._held = "".join(self._held) + rest, []  # (a reply cut off mid-quotation: one unit)
        if rest.strip():
            if not drop_unfinished or COMPLETE.search(rest.rstrip()):
                await self._pass(rest)
            elif keep_lone and not self.kept:
                await self._pass(rest.rstrip() + "…")
        return "".join(self.kept).strip()

    async def _pass(self, unit: str) -> None:
        if self.echo is not None and self.echo.echoed(unit):
            self.grounding.echoed += 1
            return
        if self.process_talk and mentions_process(unit):
            self.removed += 1
            return
        if self.claims is not None and (found := self.claims.check(unit)) is not None and not found[1].supported:
            named, verdict = found
            claim = Claim(perspectives=named, sentence=unit.strip(), reason=verdict.reason)
            self.grounding.unsupported_claims.append(claim)
            return
        if self.sources is not None:
            checked = self._checked(unit)
            if checked is None:
                return
            unit = checked
        self.kept.append(unit)
        if self.emit is not None:
            await self._send(unit)

    async def _send(self, unit: str) -> None:
        """Pass a unit on so that what is sent, joined, is exactly the text `close` returns: no
        whitespace before the first words, none after the last (it waits for more words)."""
        assert self.emit is not None
        body = unit.rstrip()
        if not body:
            self._gap += unit if self._sent else ""
            return
        text = self._gap + body if self._sent else body.lstrip()
        self._gap, self._sent = unit[len(body) :], True
        await self.emit(text)

    def _checked(self, unit: str) -> str | None:
        """The unit with its verified quotations numbered, or None when it holds one no source holds."""
        assert self.sources is not None
        found: list[tuple[int, Passage]] = []
        for quote in quotations(unit, minimum=1):
            passage = self.sources.find(quote.text)
            if passage is None and (is_short(quote) or quoted_from(quote.text, self.asked)):
                continue  # a word or two in quotation marks ("ren"), or the user's own words: not a saying
            self.grounding.quotations += 1
            if passage is None:
                self.grounding.removed += 1
                return None
            self.grounding.verified += 1
            self.grounding.quoted = list(dict.fromkeys([*self.grounding.quoted, passage.id]))
            found.append((quote.end + 1, passage))  # after the closing quotation mark
        if not found and attributes_speech(unit):
            self.grounding.unsupported_attributions.append(unit.strip())
        self.cited.update((passage.id, passage) for _, passage in found)
        if self.references is None:
            return unit
        numbers = [self.references.number(passage) for _, passage in found]
        for (end, _), number in reversed(list(zip(found, numbers, strict=True))):
            if not _MARKER.match(unit[end:]):
                unit = f"{unit[:end]} [{number}]{unit[end:]}"
        return unit
