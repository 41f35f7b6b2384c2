"""Runs of words one text copies from another: what a model repeats of its card's example, which
shows a voice's style on another question and is no answer to this one."""

from __future__ import annotations

import re

_WORD = re.compile(r"[\w']+")


def _runs(words: list[str], length: int) -> list[tuple[str, ...]]:
    return [tuple(words[i : i + length]) for i in range(len(words) - length + 1)]


def copied(text: str, source: str, length: int) -> list[tuple[int, int]]:
    """The spans of `text`'s words that belong to a run of `length` or more words also in `source`
    (case aside), in order."""
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    source_runs = set(_runs(_WORD.findall(source.lower()), length))
    marked = [False] * len(spans)
    for i, run in enumerate(_runs([text[a:b].lower() for a, b in spans], length)):
        if run in source_runs:
            marked[i : i + length] = [True] * length
    return [span for span, cut in zip(spans, marked, strict=True) if cut]


def without_copies(text: str, source: str, length: int) -> str:
    """`text` with every run of `length` or more words that also appears in `source` cut out."""
    kept, at = [], 0
    for start, end in copied(text, source, length):
        kept.append(text[at:start])
        at = end
    return "".join(kept) + text[at:]
