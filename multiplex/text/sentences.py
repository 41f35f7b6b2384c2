"""Sentences as the guards, the checks and the metrics read a model's text: cut after each end
mark, a quotation that spans several sentences kept in one unit (so that no guard ever sees half a
quotation), and the white space after each kept with it, so that the pieces join back into the text.
"""

from __future__ import annotations

import re

COMPLETE = re.compile(r"[.!?…][\"'”’)\]]*$")
BOUNDARY = re.compile(r"[.!?…][\"'”’)\]]*\s+")
HOLD_WORDS = 150  # an opened quotation that does not close within this many words is let go


def sentence_pieces(text: str) -> list[str]:
    """`text` cut after each sentence end, the white space after it kept with it."""
    pieces, start = [], 0
    for match in BOUNDARY.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def open_quote(text: str) -> bool:
    return text.count('"') % 2 == 1 or text.count("“") > text.count("”")


def units(text: str) -> list[str]:
    """`text` as the guard reads it: sentences, a quotation spanning several kept in one unit."""
    out, held = [], ""
    for piece in sentence_pieces(text):
        held += piece
        if not open_quote(held) or len(held.split()) > HOLD_WORDS:
            out.append(held)
            held = ""
    return [*out, held] if held else out


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, stripped, one paragraph's line breaks read as spaces: what the
    synthesis metrics and the analysis compare."""
    return [unit.strip() for unit in units(" ".join(text.split())) if unit.strip()]
