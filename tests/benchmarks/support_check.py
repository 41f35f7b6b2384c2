"""How well the support check and the echo filter agree with a reader.

tests/grounding/support_judgements.json holds 490 sentences of the embedded model's drafts, each
judged by reading against its evidence (its card and the passages retrieved for the question) by
the rule written at its top: supported or not, and whether it echoes the instructions. This
prints, for the check as shipped (LEXICAL, DENSE in multiplex/grounding/support.py), precision
and recall of "supported" on all of them and on each half (the WorldView-Bench questions, the
Perspectrum claims), the grid the thresholds were chosen from (on the first half, then read on
the second), and the echo filter's precision and recall.

    python tests/benchmarks/support_check.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from multiplex.graph.echo import Instructions, triples
from multiplex.grounding import support
from multiplex.grounding.sources import Sources
from multiplex.prompts import Prompts
from multiplex.resources import cache_dir
from multiplex.roster import load_roster
from multiplex.text.sentences import units

JUDGEMENTS = Path(__file__).resolve().parent.parent / "grounding" / "support_judgements.json"


def precision_recall(pairs: list[tuple[bool, bool]]) -> tuple[float, float, int]:
    """(precision, recall, how many said yes) of predictions against labels."""
    said = [label for predicted, label in pairs if predicted]
    positives = sum(label for _, label in pairs)
    precision = sum(said) / len(said) if said else 0.0
    recall = sum(said) / positives if positives else 0.0
    return precision, recall, len(said)


def evidence_of(items: list[dict]) -> list[support.Evidence]:
    roster = load_roster()
    passages = {p.id: p for p in Sources(roster, roster.folder, cache_dir()).corpus.passages}  # type: ignore[union-attr]
    return [
        support.Evidence.of(roster.get(item["perspective"]), [passages[pid] for pid in item["evidence"]])
        for item in items
    ]


def main() -> None:
    data = json.loads(JUDGEMENTS.read_text(encoding="utf-8"))
    items = data["items"]
    evidence = evidence_of(items)
    first = [not item["question"].startswith("Consider this claim") for item in items]
    verdicts = [support.check(item["sentence"], ev).supported for item, ev in zip(items, evidence, strict=True)]
    labels = [item["supported"] for item in items]
    print(f"{len(items)} sentences judged, {sum(labels)} supported, {sum(i['echo'] for i in items)} echoes")
    for name, keep in (
        ("all", [True] * len(items)),
        ("WorldView-Bench", first),
        ("Perspectrum", [not f for f in first]),
    ):
        pairs = [(v, y) for v, y, k in zip(verdicts, labels, keep, strict=True) if k]
        p, r, n = precision_recall(pairs)
        print(f"  shipped check ({name}, {len(pairs)}): precision {p:.2f}, recall {r:.2f}, kept {n}")

    print("\nthresholds (precision / recall of 'supported'; chosen on WorldView-Bench, read on Perspectrum):")
    print("| LEXICAL | DENSE | WorldView-Bench | Perspectrum |")
    print("|---|---|---|---|")
    shipped = (support.LEXICAL, support.DENSE)
    for lexical in (0.6, 0.7, 0.8):
        for dense in (0.45, 0.5, 0.525, 0.575):
            support.LEXICAL, support.DENSE = lexical, dense
            grid = [support.check(item["sentence"], ev).supported for item, ev in zip(items, evidence, strict=True)]
            cells = []
            for keep in (first, [not f for f in first]):
                p, r, _ = precision_recall([(v, y) for v, y, k in zip(grid, labels, keep, strict=True) if k])
                cells.append(f"{p:.2f} / {r:.2f}")
            mark = " (shipped)" if (lexical, dense) == shipped else ""
            print(f"| {lexical} | {dense}{mark} | {cells[0]} | {cells[1]} |")
    support.LEXICAL, support.DENSE = shipped

    echo = Instructions(Prompts())
    marked = sum(i["echo"] for i in items)
    pairs = [(echo.echoed(item["sentence"]), item["echo"]) for item in items]
    p, r, n = precision_recall(pairs)
    print(f"\necho filter: precision {p:.2f}, recall {r:.2f} ({n} flagged of {marked} marked)")
    # the variant not taken: the cards' second-person persona lines counted as instructions too
    for card in load_roster():
        for line in units(" ".join(card.persona.split())):
            if re.search(r"\b(?:you|your)\b", line, re.IGNORECASE):
                echo.triples |= triples(line)
    pairs = [(echo.echoed(item["sentence"]), item["echo"]) for item in items]
    p, r, n = precision_recall(pairs)
    print(f"  with the personas' second-person lines: precision {p:.2f}, recall {r:.2f}, {n} flagged")


if __name__ == "__main__":
    main()
