"""Chooses RESTORE_BELOW, the retention under which a voice counts as lost from an answer.

Real drafts (the embedded model's, on the project's 14 sample questions, or a bench run's records
with --records) make answers whose voices are known: for each question and each voice, an answer
that gives every other voice one sentence of its own draft (its most central: a brief but real
mention) and leaves that voice out. The retention of the voice left out is a lost voice's; the
others' are present voices'. The threshold that best separates the two (Youden's J) is printed
with both distributions and the AUC.

    python tests/benchmarks/voice_threshold.py
    python tests/benchmarks/voice_threshold.py --records runs/wvb49/records.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import numpy as np

from multiplex.bench.datasets import load_dataset
from multiplex.scoring.synthesis import synthesis_score
from multiplex.text.embedding import embed
from multiplex.text.sentences import split_sentences


def central_sentence(draft: str, question: str) -> str:
    """The draft's most central sentence: closest to its other sentences and to the question."""
    sentences = split_sentences(draft) or [draft]
    rows = embed([*sentences, question])
    centrality = (rows[:-1] @ rows[:-1].T).mean(axis=1) + 0.5 * (rows[:-1] @ rows[-1])
    return sentences[int(centrality.argmax())]


def drafts_from_records(path: Path) -> list[tuple[str, dict[str, str]]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("mode") == "mas" and record.get("status") == "ok":
            drafts = {p["id"]: p["content"] for p in record["perspectives"] if p["status"] == "ok"}
            if len(drafts) >= 3:
                out.append((record["prompt"], drafts))
    return out


async def drafts_from_model(limit: int) -> list[tuple[str, dict[str, str]]]:
    from multiplex.graph import Engine, RunRequest
    from multiplex.llm import GenerationParams
    from multiplex.settings import load_settings

    engine = Engine.from_settings(load_settings(model="local/smollm2"))
    out = []
    for question in load_dataset("sample")[:limit]:
        result = await engine.run(
            RunRequest.ask(question.prompt, mode="mas", params=GenerationParams(seed=7), score=False)
        )
        out.append((question.prompt, result.drafts))
        print(f"drafts for: {question.prompt}", file=sys.stderr)
    return out


def retentions(sets: list[tuple[str, dict[str, str]]]) -> tuple[list[float], list[float]]:
    lost, present = [], []
    for question, drafts in sets:
        brief = {pid: central_sentence(text, question) for pid, text in drafts.items()}
        for left_out in drafts:
            answer = "\n\n".join(brief[pid] for pid in drafts if pid != left_out)
            kept = synthesis_score(answer, drafts).retention
            lost.append(kept[left_out])
            present += [kept[pid] for pid in drafts if pid != left_out]
    return lost, present


def choose(lost: list[float], present: list[float]) -> tuple[float, float, float]:
    """(threshold, Youden's J, AUC): restore a voice below the threshold."""
    best = (0.0, -1.0)
    for threshold in np.arange(0.05, 0.95, 0.01):
        sensitivity = np.mean(np.array(lost) < threshold)  # lost voices caught
        specificity = np.mean(np.array(present) >= threshold)  # present voices left alone
        if sensitivity + specificity - 1 > best[1]:
            best = (float(threshold), float(sensitivity + specificity - 1))
    pairs = [(p > q) + 0.5 * (p == q) for p in present for q in lost]
    return best[0], best[1], float(np.mean(pairs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=Path, help="a bench run's records.jsonl to take mas drafts from")
    parser.add_argument("--questions", type=int, default=14, help="sample questions to draft (embedded model)")
    args = parser.parse_args()
    sets = drafts_from_records(args.records) if args.records else asyncio.run(drafts_from_model(args.questions))
    lost, present = retentions(sets)
    threshold, j, auc = choose(lost, present)

    def spread(values: list[float]) -> str:
        q = statistics.quantiles(values, n=10)
        return f"median {statistics.median(values):.2f}, 10th {q[0]:.2f}, 90th {q[-1]:.2f}, n {len(values)}"

    print(f"lost voices:    retention {spread(lost)}")
    print(f"present voices: retention {spread(present)} (one sentence of their draft each)")
    print(f"AUC {auc:.3f}; best threshold {threshold:.2f} (Youden's J {j:.2f}): restore a voice below it")


if __name__ == "__main__":
    main()
