"""Sentences as the guards, the checks and the metrics read a model's text: cut after each end
mark, a quotation that spans several sentences kept in one unit (so that no guard ever sees half a
quotation), and the white space after each kept with it, so that the pieces join back into the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# An end mark, then what may close around it: quotation marks, brackets, markdown's emphasis
# ("**Western.** Kant ...": the heading is a unit of its own, not part of the first sentence).
COMPLETE = re.compile(r"[.!?…][\"'”’)\]*]*$")
BOUNDARY = re.compile(r"[.!?…][\"'”’)\]*]*\s+")
HOLD_WORDS = 150  # an opened quotation that does not close within this many words is none
# A full stop that ends an abbreviation ends no sentence: always for these ...
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|cf|viz|St|Dr|Mr|Mrs|Ms|tr|trans|ed|eds)|(?<![\w.])[A-HJ-Z])\.$")
# ... and for a locator's when a number follows ("para. 24", "ch. III", "vol. 2"): a reference's
# "sec. 1 (part 2 of 4)" cut there left "1 (part 2 of 4)) suggests that ..." as a sentence.
_LOCATOR = re.compile(r"\b(?:para|paras|ch|chs|sec|secs|no|nos|vol|vols|pp|p|vv|v|bk|pt|art|fig)\.$", re.I)
_NUMBER = re.compile(r"\d|[IVXLC]+\b")


def ends(text: str) -> list[int]:
    """Where the sentences of `text` end: after each end mark and the white space that follows it.
    A full stop after an abbreviation is not one; at the very end of `text` it cannot be told yet
    (what follows decides), so it is not one either: a stream waits for more."""
    found = []
    for match in BOUNDARY.finditer(text):
        if match.group()[0] == "." and match.group()[1:].isspace():
            before = text[max(0, match.start() - 12) : match.start() + 1]  # the longest abbreviation, and a word's edge
            after = match.end()
            if _ABBREVIATION.search(before):
                continue
            if _LOCATOR.search(before) and (after == len(text) or _NUMBER.match(text, after)):
                continue
        found.append(match.end())
    return found


def sentence_pieces(text: str) -> list[str]:
    """`text` cut after each sentence end, the white space after it kept with it."""
    pieces, start = [], 0
    for end in ends(text):
        pieces.append(text[start:end])
        start = end
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _straight_open(text: str) -> bool:
    return text.count('"') % 2 == 1


def _curly_open(text: str) -> bool:
    return text.count("“") > text.count("”")


def open_quote(text: str) -> bool:
    return _straight_open(text) or _curly_open(text)


def _grouped(pieces: list[str], still_open: Callable[[str], bool]) -> list[str]:
    out: list[str] = []
    held: list[str] = []
    for piece in pieces:
        held.append(piece)
        if not still_open("".join(held)):
            out.append("".join(held))
            held = []
    return out + held


def let_go(pieces: list[str]) -> list[str]:
    """The units of sentences held behind a quotation mark that never closed. That mark is no
    quotation, so it holds nothing together (a stray mark never joins its sentences' fates); a
    quotation in marks of the other kind, straight or curly, still does."""
    joined = "".join(pieces)
    straight, curly = _straight_open(joined), _curly_open(joined)
    if straight and not curly:
        return _grouped(pieces, _curly_open)
    if curly and not straight:
        return _grouped(pieces, _straight_open)
    return list(pieces)


def units(text: str) -> list[str]:
    """`text` as the guard reads it: sentences, a quotation spanning several kept in one unit. A
    quotation mark that does not close (within HOLD_WORDS, or at all) is no quotation (`let_go`)."""
    out: list[str] = []
    held: list[str] = []
    for piece in sentence_pieces(text):
        held.append(piece)
        joined = "".join(held)
        if not open_quote(joined):
            out.append(joined)
            held = []
        elif len(joined.split()) > HOLD_WORDS:
            out += let_go(held)
            held = []
    return out + let_go(held)


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, stripped, one paragraph's line breaks read as spaces: what the
    synthesis metrics and the analysis compare."""
    return [unit.strip() for unit in units(" ".join(text.split())) if unit.strip()]
