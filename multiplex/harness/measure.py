"""What a harness needs of multiplex: the questions of a named set, and one answer's scores as
flat numbers (a harness's metrics are means over samples) with the whole scorer JSON beside them.

The same loader as `multiplex bench run` (`bench.datasets.load_dataset`, over the settings'
MULTIPLEX_WORLDVIEW_BENCH_URL, MULTIPLEX_PERSPECTRUM_URL and MULTIPLEX_ARGKP_URL) and the same
scorer as the engine (`Scorer.score` with the lexicon judge, the roster's sources and the
question's viewpoints): a figure from a harness means what it means in a bench report."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from multiplex.bench.datasets import Question, load_dataset, select
from multiplex.errors import DataError
from multiplex.grounding.sources import Sources
from multiplex.llm import LLM
from multiplex.prompts import cached_prompts
from multiplex.resources import cache_dir
from multiplex.roster import cached_roster
from multiplex.scoring import Scorer
from multiplex.scoring.scorer import LEXICON
from multiplex.scoring.viewpoints import read_viewpoints
from multiplex.settings import load_settings

# the multiplex system prompt of the contextual mode (prompts/contextual.md); baseline has none
SYSTEM_PROMPTS = ("baseline", "contextual")


def questions(
    dataset: str, *, split: str | None = None, domains: int | None = None, limit: int | None = None
) -> list[Question]:
    """The questions of `dataset` (a name `multiplex bench` knows, or a .jsonl/.csv file), picked as
    `bench run` picks them."""
    return select(
        load_dataset(dataset, load_settings().dataset_sources()), dataset, split=split, domains=domains, limit=limit
    )


def system_prompt(mode: str) -> str | None:
    """The system prompt a mode asks with: none for baseline, multiplex's for contextual."""
    if mode not in SYSTEM_PROMPTS:
        raise DataError(f"system_prompt must be one of {', '.join(SYSTEM_PROMPTS)}, not '{mode}'")
    settings = load_settings()
    return cached_prompts(settings.prompts_dir).render("contextual") if mode == "contextual" else None


@lru_cache(maxsize=1)
def scorer() -> Scorer:
    """The engine's scorer, with the lexicon judge (offline, deterministic) and the roster's sources."""
    settings = load_settings()
    roster = cached_roster(settings.agents_dir)
    return Scorer(
        roster,
        cached_prompts(settings.prompts_dir),
        LLM(settings),
        LEXICON,
        Sources(roster, roster.folder, cache_dir()),
    )


@dataclass(frozen=True)
class Measured:
    values: dict[str, float]  # what a harness averages: one number per figure
    scores: dict[str, Any]  # the scorer JSON, as `multiplex score --json` prints it


async def measure(text: str, question: str, viewpoints: Any = None, question_id: str = "") -> Measured:
    """One answer's scores: PDS entropy, references per perspective, sentiment shares, quotations
    checked against the sources and, when the question comes with viewpoints, their coverage."""
    views = tuple(read_viewpoints(viewpoints, question_id)) if viewpoints else None
    s = scorer()
    result = await s.score(text, sources=True, asked=question, viewpoints=views)
    values: dict[str, float] = {
        "pds_entropy": result.pds_entropy,
        "references": float(len(result.references)),
        **{f"references_{pid}": float(result.counts.get(pid, 0)) for pid in s.roster.ids},
        "positive": result.sentiment.positive,
        "neutral": result.sentiment.neutral,
        "negative": result.sentiment.negative,
    }
    if result.grounding is not None:
        values["quotations"] = float(result.grounding.quotations)
        values["quotations_not_found"] = float(len(result.grounding.unverified))
    if result.viewpoints is not None:
        values["coverage"] = result.viewpoints.coverage
    return Measured(values, result.model_dump(mode="json", exclude={"references"}))


def measure_now(text: str, question: str, viewpoints: Any = None, question_id: str = "") -> Measured:
    """`measure` for a harness that scores synchronously (lm-eval's process_results)."""
    return asyncio.run(measure(text, question, viewpoints, question_id))
