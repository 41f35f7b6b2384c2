"""The names that head an answer's blocks, written and read in one place: a voice's own section
("**Hindu.**") or the one line naming together the voices with nothing traced to their texts
("**Islamic, Hindu and African.**", graph/sections.py::voice_blocks)."""

from __future__ import annotations

import re
from collections.abc import Iterable

_HEADING = re.compile(r"\*\*([^*\n]+?)\.\*\*")


def listed(names: list[str]) -> str:
    """Names as a sentence lists them: "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def headed(text: str, names: Iterable[str]) -> list[str]:
    """The `names` (in their order) that head a block of `text`, alone or in a list of names."""
    headings = set(_HEADING.findall(text))
    return [
        name for name in names if any(re.search(rf"(?:^|, | and ){re.escape(name)}(?:, | and |$)", h) for h in headings)
    ]
