"""Perspectives Distribution Score: counts per perspective, their shares, normalised entropy."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from scipy.stats import entropy

from multiplex.scoring.types import Reference


def counts_of(references: Iterable[Reference], ids: Sequence[str]) -> dict[str, int]:
    counts = dict.fromkeys(ids, 0)
    for ref in references:
        if ref.perspective in counts:
            counts[ref.perspective] += 1
    return counts


def distribution(counts: dict[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: n / total for k, n in counts.items()} if total else {}


def pds_entropy(counts: dict[str, int], roster_size: int) -> float:
    """Shannon entropy of the shares over log K: 0 = one perspective only, 1 = all K equally."""
    total = sum(counts.values())
    if total == 0 or roster_size < 2:
        return 0.0
    value = float(entropy([n for n in counts.values() if n], base=math.e) / math.log(roster_size))
    return min(1.0, max(0.0, value))
