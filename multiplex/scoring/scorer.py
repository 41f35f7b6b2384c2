"""Scoring an answer: references -> PDS, PDS entropy, sentiment per perspective, and, when the
drafts behind it are known, the synthesis metrics.

`Scorer.score` is the one scoring path: the engine (API answers, `ask --json`, bench runs), the
score endpoint, `multiplex score` and `bench score` all call it. `score_text` is its offline,
synchronous core (the lexicon judge).
"""

from __future__ import annotations

import asyncio
import math
import re
import statistics
from collections.abc import Sequence
from functools import lru_cache

from multiplex.errors import InvalidRequest
from multiplex.grounding.check import check
from multiplex.grounding.sources import Sources
from multiplex.llm import LLM
from multiplex.prompts import Prompts
from multiplex.roster import Roster
from multiplex.scoring import sentiment
from multiplex.scoring.judge import judge_references
from multiplex.scoring.lexicon import extractor_for
from multiplex.scoring.pds import counts_of, distribution, pds_entropy
from multiplex.scoring.synthesis import synthesis_score
from multiplex.scoring.types import (
    CorpusScore,
    GroundingScore,
    PerspectiveSentiment,
    Reference,
    ScoreResult,
    Sentiment,
)
from multiplex.scoring.viewpoints import Viewpoint, ViewpointScore, judge_coverage, match
from multiplex.text.headings import headed

MAX_TEXT_CHARS = 2_000_000
LEXICON = "lexicon"
# Below this many characters (text and drafts) scoring takes well under a millisecond, less than
# handing it to a worker thread costs; above it, it runs off the event loop.
INLINE_CHARS = 4_000


def _check(text: object, drafts: dict[str, str] | None = None) -> None:
    if not isinstance(text, str):
        raise InvalidRequest("text must be a string", param="text")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidRequest(f"text is {len(text)} characters; the scorer takes at most {MAX_TEXT_CHARS}", param="text")
    if drafts is not None and sum(len(d) for d in drafts.values()) > MAX_TEXT_CHARS:
        raise InvalidRequest(f"the drafts hold more than {MAX_TEXT_CHARS} characters", param="drafts")


def score_references(
    references: list[Reference], roster: Roster, judge: str, text: str = "", drafts: dict[str, str] | None = None
) -> ScoreResult:
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
        synthesis=synthesis_score(text, drafts) if drafts else None,
    )


def score_text(text: str, roster: Roster, drafts: dict[str, str] | None = None) -> ScoreResult:
    """Score with the lexicon judge: offline, deterministic, synchronous."""
    _check(text, drafts)
    return score_references(extractor_for(roster).extract(text), roster, LEXICON, text, drafts)


class Scorer:
    def __init__(
        self, roster: Roster, prompts: Prompts, llm: LLM, judge: str = LEXICON, sources: Sources | None = None
    ) -> None:
        self.roster = roster
        self.prompts = prompts
        self.llm = llm
        self.judge = judge
        self.sources = sources

    @property
    def judges(self) -> set[str]:
        """The judges a client may pick: the server pays for a judge's calls."""
        return {LEXICON, self.judge}

    async def score(
        self,
        text: str,
        drafts: dict[str, str] | None = None,
        judge: str | None = None,
        *,
        sources: bool = False,
        asked: str = "",
        viewpoints: Sequence[Viewpoint] | None = None,
        considerations: str | None = None,
    ) -> ScoreResult:
        """Score `text` (and its synthesis of `drafts`) with `judge`, the configured one by default;
        with `sources`, check its quotations against the roster's sources too (`asked`: the
        question, which the text may quote back); with `viewpoints`, which of them it covers (and
        each draft alone, the drafts together, and a mas answer's `considerations` alone). CPU work
        runs in a worker thread, off the event loop."""
        result = await self._score(text, drafts, judge)
        if sources:
            result.grounding = await asyncio.to_thread(self.grounding, text, drafts, asked)
        if viewpoints:
            result.viewpoints = await self.coverage(text, viewpoints, judge, drafts, considerations, asked)
        return result

    async def coverage(
        self,
        text: str,
        viewpoints: Sequence[Viewpoint],
        judge: str | None = None,
        drafts: dict[str, str] | None = None,
        considerations: str | None = None,
        asked: str = "",
    ) -> ViewpointScore:
        """Which `viewpoints` the text covers (`asked`: the question, which restating covers
        nothing): offline with the lexicon judge, else by the LLM judge."""
        judge = judge or self.judge

        async def one(answer: str) -> ViewpointScore:
            if judge == LEXICON:
                return await asyncio.to_thread(match, answer, viewpoints, asked)
            return await judge_coverage(self.llm, judge, answer, viewpoints, self.prompts)

        score = await one(text)
        if drafts:
            each = {pid: await one(draft) for pid, draft in drafts.items()}
            score.drafts = {pid: s.coverage for pid, s in each.items()}
            together = [any(s.covered[i] for s in each.values()) for i in range(len(viewpoints))]
            score.ceiling = sum(together) / len(together) if together else 0.0
        if considerations:
            score.considerations = (await one(considerations)).coverage
        return score

    def mask(self, text: str) -> str:
        """`text` with what tells a tradition hidden: every card's name and lexicon terms, and the
        distinctive words of its works' titles and authors ("Song Celestial", "Nicomachean",
        "Eastman"), for a reader who is asked to tell whose voice it is."""
        return extractor_for(self.roster).mask(text, self._title_words())

    def _title_words(self) -> tuple[str, ...]:
        if self.sources is None or self.sources.corpus is None:
            return ()
        named = {p.work for p in self.sources.corpus.passages} | {p.author or "" for p in self.sources.corpus.passages}
        return _distinctive_words(tuple(sorted(named)))

    def grounding(self, text: str, drafts: dict[str, str] | None = None, asked: str = "") -> GroundingScore:
        """The text's quotations against the sources; the voices asked after are the drafts' (an
        answer's sections), else those the text's headings name: a section's (**Name.**) or the one
        line naming the voices with nothing traced to their texts."""
        if not self.sources:
            raise InvalidRequest("the roster's cards name no sources to check quotations against", param="sources")
        names = {p.name: p.id for p in self.roster}
        voices = list(drafts) if drafts else [names[name] for name in headed(text, names)]
        return check(text, self.sources, voices, asked)

    async def _score(self, text: str, drafts: dict[str, str] | None, judge: str | None) -> ScoreResult:
        _check(text, drafts)
        judge = judge or self.judge
        if judge == LEXICON:
            if len(text) + sum(len(d) for d in (drafts or {}).values()) < INLINE_CHARS and not drafts:
                return score_text(text, self.roster)
            return await asyncio.to_thread(score_text, text, self.roster, drafts)
        if not self.llm.knows(judge):
            raise InvalidRequest(f"judge must be 'lexicon' or a litellm model string, not '{judge}'", param="judge")
        references = await judge_references(self.llm, judge, text, self.roster, self.prompts)
        return await asyncio.to_thread(score_references, references, self.roster, judge, text, drafts)

    async def score_many(
        self,
        texts: Sequence[str],
        judge: str | None = None,
        *,
        sources: bool = False,
        viewpoints: Sequence[Viewpoint] | None = None,
    ) -> list[ScoreResult]:
        """Score several texts; with the lexicon judge, all of them in one worker thread."""
        for text in texts:
            _check(text)
        if (judge or self.judge) != LEXICON:
            return [await self.score(text, None, judge, sources=sources, viewpoints=viewpoints) for text in texts]

        def all_of_them() -> list[ScoreResult]:
            results = [score_text(text, self.roster) for text in texts]
            for text, result in zip(texts, results, strict=True):
                result.grounding = self.grounding(text) if sources else None
                result.viewpoints = match(text, viewpoints) if viewpoints else None
            return results

        return await asyncio.to_thread(all_of_them)


COMMON_TITLE_WORDS = frozenset(
    "The A An Of And Or In On To For By From With Its His Her Their Our Vol Ch Part Book Books Volume Chinese Classics "
    "Records Compiled Ancient Essays Interpretation Peoples People Coast Slave West Five Great Law Meaning Soul "
    "Principles Thoughts Expressions Monthly Fundamental Oral Tradition Collected Translated Traditional".split()
)


@lru_cache(maxsize=4)
def _distinctive_words(titles: tuple[str, ...]) -> tuple[str, ...]:
    """The capitalised words of the works' titles that a reader could tell a tradition by."""
    words = {w for title in titles for w in re.findall(r"\b[A-Z][\w'’\-]{2,}", title)}
    return tuple(sorted(words - COMMON_TITLE_WORDS))


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
