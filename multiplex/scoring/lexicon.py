"""The `lexicon` judge: references are whole-word matches of the cards' lexicon terms.

One compiled regular expression holds every term of the roster, longest first, so where terms
overlap ("Noble Eightfold Path" / "Eightfold Path") the longest wins, and a text is scanned once.
Matching is case-insensitive, tolerates any run of white space inside multi-word terms, and
accepts simple plural and possessive endings (Muslims, Confucius's, elders') on terms of four
letters or more (short terms such as li or ren match exactly, or they would match lies, rent).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import lru_cache

from multiplex.roster import Roster
from multiplex.scoring.types import Reference

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)", re.MULTILINE)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_SUFFIX = r"(?:'s|s'|'|es|s)?"
MIN_INFLECTED = 4


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_APOSTROPHES)


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of `text`, stripped of surrounding white space."""
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        chunk = match.group(0)
        start += len(chunk) - len(chunk.lstrip())
        end -= len(chunk) - len(chunk.rstrip())
        if end > start:
            spans.append((start, end))
    return spans


class LexiconExtractor:
    name = "lexicon"

    def __init__(self, roster: Roster) -> None:
        self.roster = roster
        entries = sorted(
            ((normalise(term), card.id) for card in roster for term in card.lexicon),
            key=lambda e: (-len(e[0]), e[0]),
        )
        self._owners: list[tuple[str, str]] = []
        parts = []
        for i, (term, pid) in enumerate(entries):
            pattern = r"\s+".join(re.escape(word) for word in term.split())
            suffix = _SUFFIX if len(term) >= MIN_INFLECTED else ""  # "li" must not match "lies"
            parts.append(f"(?P<t{i}>{pattern}{suffix})")
            self._owners.append((pid, term))
        self._pattern = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)

    def extract(self, text: str) -> list[Reference]:
        text = normalise(text)
        spans = sentences(text)
        starts = [s for s, _ in spans]
        references = []
        for match in self._pattern.finditer(text):
            group = match.lastgroup
            assert group is not None
            pid, term = self._owners[int(group[1:])]
            at = bisect.bisect_right(starts, match.start()) - 1
            sentence = text[spans[at][0] : spans[at][1]] if at >= 0 else match.group(0)
            references.append(Reference(perspective=pid, term=term, sentence=sentence))
        return references


@lru_cache(maxsize=8)
def extractor_for(roster: Roster) -> LexiconExtractor:
    return LexiconExtractor(roster)
