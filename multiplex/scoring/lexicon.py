"""The `lexicon` judge: references are whole-word matches of the cards' lexicon terms.

The text is split into word tokens once (letters and digits, with inner hyphens and apostrophes:
al-Ghazali, Qur'an); a term of n words matches n consecutive tokens separated by white space only.
At each position the longest term wins ("Noble Eightfold Path" over "Eightfold Path"), and the
scan goes on after it. Matching ignores case and accepts simple plural and possessive endings on
the last word (Muslims, Confucius's, elders') for terms of four letters or more (short terms such
as li or ren match exactly, or they would match lies and rent). A dictionary lookup per token
keeps this linear in the length of the text.
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
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_SUFFIXES = ("'s", "es", "s")
MIN_INFLECTED = 4
MASK = "[…]"


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
        self._terms: dict[tuple[str, ...], tuple[str, str]] = {}
        for card in roster:
            for term in card.lexicon:
                words = tuple(w.casefold() for w in _WORD.findall(normalise(term)))
                self._terms[words] = (card.id, term)
        self._longest = max(len(words) for words in self._terms)

    def _lookup(self, words: list[str]) -> tuple[str, str] | None:
        found = self._terms.get(tuple(words))
        if found:
            return found
        last = words[-1]
        for suffix in _SUFFIXES:
            if last.endswith(suffix) and len(last) - len(suffix) >= MIN_INFLECTED:
                found = self._terms.get((*words[:-1], last[: -len(suffix)]))
                if found:
                    return found
        return None

    def matches(self, text: str) -> list[tuple[int, int, str, str]]:
        """(start, end, perspective id, term) of every reference in `text` (normalised), in order."""
        tokens = list(_WORD.finditer(text))
        folded = [t.group(0).casefold() for t in tokens]
        found = []
        i = 0
        while i < len(tokens):
            match = None
            for n in range(min(self._longest, len(tokens) - i), 0, -1):
                if n > 1 and any(text[tokens[k].end() : tokens[k + 1].start()].strip() for k in range(i, i + n - 1)):
                    continue  # words of one term are separated by white space only
                match = self._lookup(folded[i : i + n])
                if match:
                    break
            if match is None:
                i += 1
                continue
            found.append((tokens[i].start(), tokens[i + n - 1].end(), *match))
            i += n
        return found

    def extract(self, text: str) -> list[Reference]:
        text = normalise(text)
        spans = sentences(text)
        starts = [s for s, _ in spans]
        references = []
        for start, _, pid, term in self.matches(text):
            at = bisect.bisect_right(starts, start) - 1
            sentence = text[spans[at][0] : spans[at][1]] if at >= 0 else term
            references.append(Reference(perspective=pid, term=term, sentence=sentence))
        return references

    def mask(self, text: str, more: tuple[str, ...] = ()) -> str:
        """`text` with every term of every card (and each of `more`, whole words) written as MASK:
        what a reader could tell a tradition by."""
        text = normalise(text)
        spans = [(start, end) for start, end, _, _ in self.matches(text)]
        if more:
            words = "|".join(re.escape(m) for m in sorted(more, key=len, reverse=True))
            pattern = re.compile(rf"\b(?:{words})\b")
            spans += [m.span() for m in pattern.finditer(text)]
        out, at = [], 0
        for start, end in sorted(spans):
            if start < at:
                continue
            out += [text[at:start], MASK]
            at = end
        return "".join(out) + text[at:]


@lru_cache(maxsize=8)
def extractor_for(roster: Roster) -> LexiconExtractor:
    return LexiconExtractor(roster)
