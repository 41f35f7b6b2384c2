"""The offline viewpoint matcher, calibrated and checked on people's labels.

- Calibration: ArgKP's train split, 20,635 (argument, key point) pairs that crowd annotators
  labelled match or not; the threshold is the one with the best F1 there.
- Check: ArgKP's dev split (3,458 pairs of 4 other topics): precision, recall and F1 at that
  threshold, and the AUC; and Perspectrum's clusters (test split): a perspective against another of
  its own cluster (a paraphrase, by the crowd's clustering) or against one of another cluster of
  the same claim, the AUC.

    python tests/benchmarks/viewpoint_matcher.py --argkp ../shared/data/viewpoints/argkp \\
        --perspectrum ../shared/data/viewpoints/perspectrum

Without the options, the data is fetched from its pinned upstream commits (once, then cached).
"""

from __future__ import annotations

import argparse
import itertools
import os
from dataclasses import dataclass

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import numpy as np

from multiplex.bench.viewpoint_sets import ARGKP_SOURCE, PERSPECTRUM_SOURCE, argkp_pairs, load_perspectrum
from multiplex.scoring.viewpoints import MATCH_THRESHOLD
from multiplex.text.embedding import embed


def cosines(left: list[str], right: list[str]) -> np.ndarray:
    rows = embed(left + right)
    return (rows[: len(left)] * rows[len(left) :]).sum(axis=1)


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """The chance that a random positive scores above a random negative (ties count half)."""
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    for value in np.unique(scores):  # average ranks of ties
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    positives = labels.sum()
    negatives = len(labels) - positives
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


@dataclass(frozen=True)
class Figures:
    precision: float
    recall: float
    f1: float
    auc: float


def figures(scores: np.ndarray, labels: np.ndarray, threshold: float) -> Figures:
    said = scores >= threshold
    hits = float((said & labels).sum())
    precision = hits / said.sum() if said.sum() else 0.0
    recall = hits / labels.sum() if labels.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Figures(precision, recall, f1, auc(scores, labels))


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    candidates = np.round(np.arange(0.20, 0.95, 0.01), 2)
    return float(max(candidates, key=lambda t: figures(scores, labels, t).f1))


def argkp(split: str, source: str) -> tuple[np.ndarray, np.ndarray]:
    pairs = argkp_pairs(split, source)
    scores = cosines([p.sentence for p in pairs], [p.viewpoint for p in pairs])
    return scores, np.array([p.match for p in pairs])


def perspectrum_clusters(source: str, limit: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Perspective pairs of the test split's claims: same cluster (a paraphrase) or not."""
    left, right, same = [], [], []
    for question in load_perspectrum(source):
        if question.metadata["split"] != "test":
            continue
        clusters = [[v["text"], *v["paraphrases"]] for v in question.metadata["viewpoints"]]
        for cluster in clusters:
            for a, b in itertools.combinations(cluster, 2):
                left.append(a), right.append(b), same.append(True)
        for one, other in itertools.combinations(clusters, 2):
            left.append(one[0]), right.append(other[0]), same.append(False)
    keep = np.random.default_rng(7).permutation(len(left))[:limit]
    scores = cosines([left[i] for i in keep], [right[i] for i in keep])
    return scores, np.array([same[i] for i in keep])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--argkp", default=ARGKP_SOURCE)
    parser.add_argument("--perspectrum", default=PERSPECTRUM_SOURCE)
    args = parser.parse_args()
    train, train_labels = argkp("train", args.argkp)
    threshold = best_threshold(train, train_labels)
    dev = figures(*argkp("dev", args.argkp), threshold)
    clusters = perspectrum_clusters(args.perspectrum)
    print(f"calibrated on ArgKP train ({len(train)} labelled pairs): threshold {threshold:.2f}")
    print(f"shipped threshold: {MATCH_THRESHOLD}")
    print(f"ArgKP dev: precision {dev.precision:.2f}, recall {dev.recall:.2f}, F1 {dev.f1:.2f}, AUC {dev.auc:.3f}")
    print(f"Perspectrum test clusters ({len(clusters[0])} pairs): AUC {auc(*clusters):.3f}")


if __name__ == "__main__":
    main()
