"""The names that head an answer's blocks: a voice's own section ("**Hindu.**") or the one line
naming together the voices with nothing traced to their texts ("**Islamic, Hindu and African.**",
graph/sections.py::voice_blocks)."""

from __future__ import annotations

import re
from collections.abc import Iterable

_HEADING = re.compile(r"\*\*([^*\n]+?)\.\*\*")


def headed(text: str, names: Iterable[str]) -> list[str]:
    """The `names` (in their order) that head a block of `text`, alone or in a list of names."""
    headings = set(_HEADING.findall(text))

    def heads(name: str, heading: str) -> bool:
        return (
            heading == name
            or heading.startswith((f"{name}, ", f"{name} and "))
            or f", {name}, " in heading
            or f", {name} and " in heading
            or heading.endswith(f" and {name}")
        )

    return [name for name in names if any(heads(name, h) for h in headings)]
