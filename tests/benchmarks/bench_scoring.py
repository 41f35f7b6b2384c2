"""Scorer benchmark: 175 responses of about 600 words (the size of a WorldView-Bench run).

    python tests/benchmarks/bench_scoring.py

The responses are generated deterministically: sentences of plain prose, one in three naming a
lexicon term. Prints the median time to score all 175 over 5 repetitions, on one core; then,
separately, the synthesis metrics of the same 175 answers against 7 drafts of 100 words each.
"""

from __future__ import annotations

import os
import random
import statistics
import time

from multiplex.roster import load_roster
from multiplex.scoring import aggregate, score_text
from multiplex.scoring.synthesis import synthesis_score

FILLER = (
    "people often weigh what they owe to others against what they want for themselves and "
    "their answers change with time place and circumstance"
).split()


def responses(count: int = 175, words: int = 600, seed: int = 175) -> list[str]:
    rng = random.Random(seed)
    terms = [t for card in load_roster() for t in card.lexicon]
    out = []
    for _ in range(count):
        sentences, n = [], 0
        while n < words:
            sentence = rng.sample(FILLER, 12)
            if rng.random() < 0.33:
                sentence.insert(rng.randrange(12), rng.choice(terms))
            if rng.random() < 0.3:
                sentence.append(rng.choice(["wonderful", "terrible", "good", "harmful", "fair"]))
            sentences.append(" ".join(sentence).capitalize() + ".")
            n += len(sentence)
        out.append(" ".join(sentences))
    return out


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    texts = responses()
    roster = load_roster()
    score_text(texts[0], roster)  # warm-up: builds the term table and loads VADER
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        results = [score_text(t, roster) for t in texts]
        runs.append(time.perf_counter() - started)
    corpus = aggregate(results, len(roster))
    words = sum(len(t.split()) for t in texts)
    print(
        f"scored {len(texts)} responses ({words / len(texts):.0f} words each, {sum(corpus.counts.values())} "
        f"references) in a median {statistics.median(runs) * 1000:.0f} ms on one core "
        f"(min {min(runs) * 1000:.0f}, max {max(runs) * 1000:.0f}, 5 runs)"
    )
    drafts = [dict(zip(roster.ids, responses(7, 100, seed=i), strict=True)) for i in range(len(texts))]
    synthesis_score(texts[0], drafts[0])  # warm-up: loads the embeddings
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        for text, answer_drafts in zip(texts, drafts, strict=True):
            synthesis_score(text, answer_drafts)
        runs.append(time.perf_counter() - started)
    print(
        f"synthesis metrics of the same {len(texts)} answers against 7 drafts of 100 words each: median "
        f"{statistics.median(runs) * 1000:.0f} ms on one core (min {min(runs) * 1000:.0f}, max "
        f"{max(runs) * 1000:.0f}, 5 runs)"
    )


if __name__ == "__main__":
    main()
