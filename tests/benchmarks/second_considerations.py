"""Would a second sample of the considerations make mas beat its best draft more often? Read off a
finished bench run, no model called: each mas answer's considerations joined by the sentences of
the plain (baseline) answer to the same question, up to a word cap, then matched against the
question's viewpoints as the report matches them.

    python tests/benchmarks/second_considerations.py runs/persp100   # a run with mas and baseline

Prints how many plain answers cover at least one viewpoint (an answer beats its drafts only by
covering one), then, per cap (the joined text's words at most that many times the considerations'): coverage,
the share of answers that would beat their best draft, and the answer's words against the plain
answer's (the sections and closing kept as they were). The plain answer stands in for the second
sample: a different prompt, so if anything more varied than a second draw of the same one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from multiplex.graph.sections import count_words
from multiplex.scoring.viewpoints import matched, read_viewpoints
from multiplex.text.sentences import split_sentences

CAPS = (1.0, 1.25, 1.5, 2.0, None)


def joined(first: str, second: str, cap: float | None) -> str:
    """`first`, then the sentences of `second` while the words stay within `cap` times first's."""
    limit = None if cap is None else cap * count_words(first)
    words, kept = count_words(first), []
    for sentence in split_sentences(second):
        if limit is not None and words + count_words(sentence) > limit:
            break
        kept.append(sentence)
        words += count_words(sentence)
    return " ".join([first, *kept])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a bench run folder holding mas and baseline records")
    records = [json.loads(line) for line in (parser.parse_args().run / "records.jsonl").open()]
    by_question: dict[str, dict[str, dict]] = {}
    for r in records:
        if r.get("status") == "ok":
            by_question.setdefault(r["question_id"], {})[r["mode"]] = r
    pairs = [(m["mas"], m["baseline"]) for m in by_question.values() if {"mas", "baseline"} <= m.keys()]
    reached = sum(plain["scores"]["viewpoints"]["coverage"] > 0 for _, plain in pairs)
    print(f"{len(pairs)} questions answered in both modes; the plain answer covers a viewpoint on {reached}")
    print("| considerations | coverage | beats its best draft | words over plain: median | at most twice |")
    print("|---|---|---|---|---|")
    for cap in CAPS:
        coverage, beats, ratios = [], [], []
        for mas, plain in pairs:
            viewpoints = read_viewpoints(mas["viewpoints"])
            first = mas["considerations"]["content"] or ""
            text = joined(first, plain["text"], cap) if cap != 1.0 else first
            covered = matched(text, viewpoints, mas["prompt"])
            share = sum(covered) / len(covered)
            drafts = mas["scores"]["viewpoints"]["drafts"]
            coverage.append(share)
            beats.append(share > max(drafts.values(), default=0.0))
            words = mas["synthesis"]["words"] - count_words(first) + count_words(text)
            ratios.append(words / max(1, count_words(plain["text"])))
        label = "one sample" if cap == 1.0 else f"+ plain, to {cap:g}x" if cap else "+ plain, all of it"
        print(
            f"| {label} | {statistics.fmean(coverage):.1%} | {statistics.fmean(beats):.1%} "
            f"| {statistics.median(ratios):.2f} | {statistics.fmean(r <= 2 for r in ratios):.0%} |"
        )


if __name__ == "__main__":
    main()
