"""What grounding costs a mas answer on the embedded model: wall time with the cards' sources (their
passages in each agent's prompt and in each section, the quotation guard, the check of the answer)
against the same cards without sources (multiplex before grounding), alternating per question in
one run so that the machine's load falls on both alike.

    python tests/benchmarks/grounding_cost.py --questions 14
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from multiplex.bench.datasets import load_dataset
from multiplex.graph import Engine, RunRequest
from multiplex.llm import LLM, GenerationParams
from multiplex.resources import data_dir
from multiplex.settings import load_settings


def cards_without_sources(folder: Path) -> Path:
    shutil.copytree(data_dir("agents"), folder, ignore=shutil.ignore_patterns("sources"))
    for card in folder.glob("*.toml"):
        card.write_text(re.sub(r"(?m)^sources = .*\n", "", card.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


async def main(questions: int, max_tokens: int | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        grounded_settings = load_settings(model="local/smollm2")
        plain_settings = load_settings(model="local/smollm2", agents_dir=cards_without_sources(Path(tmp) / "agents"))
        llm = LLM(grounded_settings)  # one embedded model for both
        engines = {
            "grounded": Engine.from_settings(grounded_settings, llm),
            "plain": Engine.from_settings(plain_settings, llm),
        }
        params = GenerationParams(max_tokens=max_tokens, seed=7)
        for engine in engines.values():  # the model, the retrieval index and the quotation checker loaded
            await engine.run(RunRequest.ask("A warm-up question?", mode="mas", params=params))
        times: dict[str, list[float]] = {name: [] for name in engines}
        for i, question in enumerate(load_dataset("sample")[:questions]):
            order = list(engines) if i % 2 == 0 else list(reversed(engines))
            for name in order:
                started = time.perf_counter()
                await engines[name].run(RunRequest.ask(question.prompt, mode="mas", params=params))
                times[name].append(time.perf_counter() - started)
            print(f"{question.id}: grounded {times['grounded'][-1]:.1f} s, plain {times['plain'][-1]:.1f} s")
        grounded, plain = statistics.median(times["grounded"]), statistics.median(times["plain"])
        ratios = [g / p for g, p in zip(times["grounded"], times["plain"], strict=True)]
        print(
            f"mas wall time, median of {questions} questions: grounded {grounded:.1f} s, without sources {plain:.1f} s "
            f"({(grounded / plain - 1) * 100:+.1f}%); median per-question ratio {statistics.median(ratios):.3f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=14)
    parser.add_argument("--max-tokens", type=int, default=None)
    args = parser.parse_args()
    asyncio.run(main(args.questions, args.max_tokens))
