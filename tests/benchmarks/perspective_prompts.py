"""How should a perspective agent be prompted so that even the embedded 135M model speaks from
its tradition? Four variants of the cards, the same questions, mas on the embedded model:

- plain: persona only;
- example: + a short answer in the tradition's voice to another question (the card's `example`);
- opening: + the first words of the reply, which the model continues (the card's `opening`);
- both.

For each: drafts that name their own tradition in words the model wrote (the opening does not
count), distinct drafts (median Vendi), lowest retention (median), process talk, PDS entropy.

    python tests/benchmarks/perspective_prompts.py [--questions 7] [--max-tokens 160]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import tomllib
from pathlib import Path

from multiplex.bench.datasets import load_dataset, per_domain
from multiplex.bench.report import own_voice
from multiplex.graph import Engine, RunRequest
from multiplex.llm import GenerationParams
from multiplex.resources import data_dir
from multiplex.roster import load_roster
from multiplex.settings import load_settings

VARIANTS = {"plain": (), "example": ("example",), "opening": ("opening",), "both": ("example", "opening")}


def cards_with(folder: Path, keep: tuple[str, ...]) -> None:
    for path in sorted(data_dir("agents").glob("*.toml")):
        card = tomllib.loads(path.read_text(encoding="utf-8"))
        dropped = {"example", "opening"} - set(keep)
        lines = [f"{key} = {_toml(value)}" for key, value in card.items() if key not in dropped]
        (folder / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _toml(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


async def variant(name: str, keep: tuple[str, ...], questions: list, max_tokens: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cards_with(folder, keep)
        engine = Engine.from_settings(load_settings(model="local/smollm2", agents_dir=folder))
        roster = load_roster(folder)
        voices, distinct, kept, process, entropy = [], [], [], [], []
        started = time.perf_counter()
        for q in questions:
            result = await engine.run(
                RunRequest.ask(q.prompt, mode="mas", params=GenerationParams(max_tokens=max_tokens, seed=7))
            )
            voices += own_voice(result.model_dump(mode="json"), roster)
            assert result.scores is not None and result.scores.synthesis is not None, result.score_error
            syn = result.scores.synthesis
            distinct.append(syn.distinct_drafts)
            kept.append(syn.retention_min)
            process.append(syn.mentions_process)
            entropy.append(result.scores.pds_entropy)
        return {
            "variant": name,
            "own_voice": sum(voices) / len(voices),
            "distinct": statistics.median(distinct),
            "retention_min": statistics.median(kept),
            "process": sum(process) / len(process),
            "pds": statistics.fmean(entropy),
            "seconds": time.perf_counter() - started,
        }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=7, help="questions of the project's sample, one per domain")
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    questions = per_domain(load_dataset("sample"), 1)[: args.questions]
    print("| variant | own voice | distinct drafts (median) | lowest retention (median) | process talk | PDS entropy |")
    print("|---|---|---|---|---|---|")
    for name in args.variants.split(","):
        row = await variant(name, VARIANTS[name], questions, args.max_tokens)
        print(
            f"| {row['variant']} | {row['own_voice']:.0%} | {row['distinct']:.1f} | {row['retention_min']:.2f} | "
            f"{row['process']:.0%} | {row['pds']:.0%} |",
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main())
