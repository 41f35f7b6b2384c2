"""The viewpoint matcher against a careful reading (tests/scoring/coverage_judgements.json): for
each part (`dev`, on which MARGIN was set; `test`, read apart from it), the matcher with and
without the margin against the reading's labels (precision, recall, Cohen's kappa), and coverage
per mode by reading and by the matcher.

    python tests/benchmarks/coverage_reading.py
"""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from multiplex.scoring.viewpoints import Viewpoint, matched

JUDGEMENTS = Path(__file__).resolve().parents[1] / "scoring" / "coverage_judgements.json"


def agreement(pairs: list[tuple[bool, bool]]) -> dict[str, float]:
    """Precision, recall and Cohen's kappa of the matcher (first) against the reading (second)."""
    tp = sum(m and r for m, r in pairs)
    fp = sum(m and not r for m, r in pairs)
    fn = sum(r and not m for m, r in pairs)
    tn = len(pairs) - tp - fp - fn
    n = len(pairs)
    seen = (tp + tn) / n
    chance = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / n**2
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "kappa": (seen - chance) / (1 - chance) if chance < 1 else 0.0,
    }


def verdicts(item: dict, margin: bool) -> list[bool]:
    views = [Viewpoint(**v) for v in item["viewpoints"]]
    return matched(item["answer"], views, item["question"] if margin else "")


def main() -> None:
    data = json.loads(JUDGEMENTS.read_text(encoding="utf-8"))
    for part in ("dev", "test"):
        items = data[part]
        if not items:
            continue
        pairs = sum(len(i["covered"]) for i in items)
        read = sum(sum(i["covered"]) for i in items)
        print(f"\n{part}: {len(items)} answers, {pairs} answer x key point pairs, {read} covered by reading")
        print("| matcher | precision | recall | kappa |")
        print("|---|---|---|---|")
        for name, margin in (("cosine only (before)", False), ("cosine and margin over the question", True)):
            found = [(m, r) for i in items for m, r in zip(verdicts(i, margin), i["covered"], strict=True)]
            a = agreement(found)
            print(f"| {name} | {a['precision']:.2f} | {a['recall']:.2f} | {a['kappa']:.2f} |")
        print("| mode | answers | coverage by reading | by the matcher (margin) | by the matcher (before) |")
        print("|---|---|---|---|---|")
        for mode in ("baseline", "contextual", "mas"):
            chosen = [i for i in items if i["mode"] == mode]
            if not chosen:
                continue
            read = statistics.fmean(sum(i["covered"]) / len(i["covered"]) for i in chosen)
            now = statistics.fmean(sum(verdicts(i, True)) / len(i["covered"]) for i in chosen)
            before = statistics.fmean(sum(verdicts(i, False)) / len(i["covered"]) for i in chosen)
            print(f"| {mode} | {len(chosen)} | {read:.1%} | {now:.1%} | {before:.1%} |")


if __name__ == "__main__":
    main()
