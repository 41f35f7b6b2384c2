"""Uncertainty for bench reports: bootstrap confidence intervals over questions, paired
differences between modes, and the spread of a figure across seeds and wordings."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

import numpy as np

RESAMPLES = 2000
LEVEL = 0.95


def mean_ci(values: Sequence[float], seed: int = 0) -> tuple[float, float] | None:
    """The percentile bootstrap 95% interval of the mean (resampling the values, one per question),
    or None with fewer than two values."""
    data = np.asarray([v for v in values if v is not None], dtype=float)
    if len(data) < 2:
        return None
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(RESAMPLES, len(data)))].mean(axis=1)
    tail = (1 - LEVEL) / 2 * 100
    return float(np.percentile(means, tail)), float(np.percentile(means, 100 - tail))


def paired(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, object] | None:
    """The mean of b - a over the questions both have, with its bootstrap interval."""
    shared = sorted(set(a) & set(b))
    if len(shared) < 2:
        return None
    differences = [b[q] - a[q] for q in shared]
    low_high = mean_ci(differences)
    return {"mean": statistics.fmean(differences), "ci": list(low_high) if low_high else None, "questions": len(shared)}


def spread(groups: Sequence[Sequence[float]]) -> float | None:
    """The mean over questions of the standard deviation of a figure across its runs (questions
    with at least two runs)."""
    deviations = [statistics.stdev(g) for g in groups if len(g) >= 2]
    return statistics.fmean(deviations) if deviations else None
