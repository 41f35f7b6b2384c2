"""How well each retrieval method finds relevant passages, on the labelled set, and how fast.

The labelled set (tests/grounding/retrieval_judgements.json) holds 21 questions, three per
tradition, and 172 judgements of whether a passage of that tradition's works bears on the question,
made by reading each passage without knowing which method found it, by the rule written in the file.
Every method's top three were judged (pooling), so precision at 1, 2 and 3 is exact for each.

    python tests/benchmarks/retrieval_choice.py
    python tests/benchmarks/retrieval_choice.py --gate   # the relevance gate's threshold

`--gate`: for every judged (question, passage) pair, the score the relevance gate gives the passage
(its sentence closest to the question, grounding/relevance.py), and at each threshold how many
judged passages clear it and how many of those are relevant: RELEVANT_AT is the lowest threshold
whose precision reaches 0.7.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from functools import lru_cache
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from multiplex.grounding.relevance import best_fit
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


def gate_scores(shipped: Sources) -> list[tuple[float, bool]]:
    """(the gate's score, judged relevant) for every judgement."""
    questions = {q["id"]: q["question"] for q in JUDGEMENTS["questions"]}
    by_id = {p.id: p for p in shipped.corpus.passages} if shipped.corpus is not None else {}
    scored = []
    for j in JUDGEMENTS["judgements"]:
        fit = best_fit([by_id[j["passage_id"]]], questions[j["question_id"]])
        if fit is not None:
            scored.append((fit.score, bool(j["relevant"])))
    return scored


def gate_precision(scored: list[tuple[float, bool]], threshold: float) -> tuple[int, float]:
    """How many judged passages clear `threshold`, and the share of them judged relevant."""
    kept = [relevant for score, relevant in scored if score >= threshold]
    return len(kept), (sum(kept) / len(kept) if kept else 0.0)


def gate() -> None:
    scored = gate_scores(sources())
    relevant = sum(r for _, r in scored)
    print(f"{len(scored)} judged passages, {relevant} relevant")
    print("| threshold | cleared | precision | recall |\n|---|---|---|---|")
    for step in range(36, 60):
        threshold = step / 100
        kept, precision = gate_precision(scored, threshold)
        found = round(kept * precision)
        print(f"| {threshold:.2f} | {kept} | {precision:.2f} | {found / relevant:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description="retrieval methods, or the relevance gate, on the labelled set")
    parser.add_argument("--gate", action="store_true", help="the relevance gate's precision at each threshold")
    if parser.parse_args().gate:
        return gate()
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
