"""How well each retrieval method finds relevant passages, on the labelled set, and how fast.

The labelled set (tests/grounding/retrieval_judgements.json) holds 21 questions, three per
tradition, and 172 judgements of whether a passage of that tradition's works bears on the question,
made by reading each passage without knowing which method found it, by the rule written in the file.
Every method's top three were judged (pooling), so precision at 1, 2 and 3 is exact for each.

    python tests/benchmarks/retrieval_choice.py
"""

from __future__ import annotations

import json
import os
import statistics
import time
from functools import lru_cache
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from multiplex.grounding.retrieval import index_for
from multiplex.grounding.sources import Sources
from multiplex.resources import cache_dir
from multiplex.roster import load_roster

JUDGEMENTS = json.loads((Path(__file__).resolve().parents[1] / "grounding" / "retrieval_judgements.json").read_text())
METHODS = ("bm25", "dense", "hybrid")


@lru_cache(maxsize=1)
def sources() -> Sources:
    roster = load_roster()
    return Sources(roster, roster.folder, cache_dir())


def precision_at(shipped: Sources, method: str, k: int, tradition: str | None = None) -> float:
    relevant = {(j["question_id"], j["passage_id"]) for j in JUDGEMENTS["judgements"] if j["relevant"]}
    index = index_for(shipped.corpus, cache_dir())
    scores = []
    for q in JUDGEMENTS["questions"]:
        if tradition and q["tradition"] != tradition:
            continue
        hits = index.search(q["question"], shipped.works[q["tradition"]], k, method)  # type: ignore[arg-type]
        scores.append(sum((q["id"], h.passage.id) in relevant for h in hits) / k)
    return statistics.fmean(scores)


def main() -> None:
    shipped = sources()
    print(f"{len(JUDGEMENTS['judgements'])} judgements, {len(JUDGEMENTS['questions'])} questions")
    print("| method | P@1 | P@2 | P@3 |\n|---|---|---|---|")
    for method in METHODS:
        print(f"| {method} | " + " | ".join(f"{precision_at(shipped, method, k):.2f}" for k in (1, 2, 3)) + " |")
    print("\nP@3 of dense retrieval per tradition:")
    for tradition in sorted({q["tradition"] for q in JUDGEMENTS["questions"]}):
        print(f"  {tradition}: {precision_at(shipped, 'dense', 3, tradition):.2f}")
    cards = list(load_roster())
    question = "What do we owe our parents?"
    shipped.for_question(cards[0], question)  # the index loaded, the embeddings warm
    timings = []
    for _ in range(50):
        started = time.perf_counter()
        for card in cards:
            shipped.for_question(card, question)
        timings.append((time.perf_counter() - started) * 1000)
    print(f"\nretrieval for seven perspectives: median {statistics.median(timings):.2f} ms (50 runs, one thread)")


if __name__ == "__main__":
    main()
