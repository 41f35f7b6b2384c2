"""Scoring an answer: references -> PDS, PDS entropy, and sentiment per perspective."""

from __future__ import annotations

import asyncio
import math
import statistics
from collections.abc import Sequence

from multiplex.errors import InvalidRequest
from multiplex.prompts import Prompts, cached_prompts
from multiplex.roster import Roster, cached_roster
from multiplex.scoring import sentiment
from multiplex.scoring.judge import judge_references
from multiplex.scoring.lexicon import extractor_for
from multiplex.scoring.pds import counts_of, distribution, pds_entropy
from multiplex.scoring.types import CorpusScore, PerspectiveSentiment, Reference, ScoreResult, Sentiment
from multiplex.settings import get_settings

MAX_TEXT_CHARS = 2_000_000
LEXICON = "lexicon"


def _check(text: str) -> None:
    if not isinstance(text, str):
        raise InvalidRequest("text must be a string", param="text")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidRequest(f"text is {len(text)} characters; the scorer takes at most {MAX_TEXT_CHARS}", param="text")


def score_references(references: list[Reference], roster: Roster, judge: str) -> ScoreResult:
    cache: dict[str, float] = {}
    for ref in references:
        if ref.sentence not in cache:
            cache[ref.sentence] = sentiment.compound(ref.sentence)
        ref.compound = cache[ref.sentence]
    counts = counts_of(references, roster.ids)
    per: dict[str, PerspectiveSentiment] = {}
    for pid in roster.ids:
        values = [r.compound for r in references if r.perspective == pid]
        if values:
            mean = sum(values) / len(values)
            per[pid] = PerspectiveSentiment(
                compound=round(mean, 4), label=sentiment.label(mean), references=len(values)
            )
    labels = [sentiment.label(r.compound) for r in references]
    n = len(labels)
    return ScoreResult(
        judge=judge,
        counts=counts,
        distribution=distribution(counts),
        pds_entropy=pds_entropy(counts, len(roster)),
        no_references=n == 0,
        references=references,
        sentiment=Sentiment(
            per_perspective=per,
            positive=labels.count("positive") / n if n else 0.0,
            neutral=labels.count("neutral") / n if n else 0.0,
            negative=labels.count("negative") / n if n else 0.0,
        ),
    )


def score(text: str, roster: Roster | None = None) -> ScoreResult:
    """Score with the lexicon judge: offline, deterministic, synchronous."""
    _check(text)
    roster = roster or cached_roster(get_settings().agents_dir)
    return score_references(extractor_for(roster).extract(text), roster, LEXICON)


async def ascore(
    text: str, judge: str | None = None, roster: Roster | None = None, prompts: Prompts | None = None
) -> ScoreResult:
    """Score with the configured judge; CPU work runs in a worker thread, off the event loop."""
    _check(text)
    settings = get_settings()
    judge = judge or settings.judge
    roster = roster or cached_roster(settings.agents_dir)
    if judge == LEXICON:
        return await asyncio.to_thread(score, text, roster)
    if "/" not in judge:
        raise InvalidRequest(f"judge must be 'lexicon' or a litellm model string, not '{judge}'", param="judge")
    references = await judge_references(judge, text, roster, prompts or cached_prompts(settings.prompts_dir))
    return await asyncio.to_thread(score_references, references, roster, judge)


def aggregate(results: Sequence[ScoreResult], roster_size: int) -> CorpusScore:
    """Corpus figures: the mean of per-response entropies (with its standard error), and the
    entropy of the pooled counts. They differ: pooling lets long answers weigh more."""
    entropies = [r.pds_entropy for r in results]
    n = len(entropies)
    counts: dict[str, int] = {}
    for r in results:
        for k, v in r.counts.items():
            counts[k] = counts.get(k, 0) + v
    refs = [ref for r in results for ref in r.references]
    labels = [sentiment.label(ref.compound) for ref in refs]
    total = len(labels)
    return CorpusScore(
        responses=n,
        mean_pds_entropy=statistics.fmean(entropies) if n else 0.0,
        stderr_pds_entropy=statistics.stdev(entropies) / math.sqrt(n) if n > 1 else 0.0,
        pooled_pds_entropy=pds_entropy(counts, roster_size),
        counts=counts,
        distribution=distribution(counts),
        positive=labels.count("positive") / total if total else 0.0,
        neutral=labels.count("neutral") / total if total else 0.0,
        negative=labels.count("negative") / total if total else 0.0,
    )
