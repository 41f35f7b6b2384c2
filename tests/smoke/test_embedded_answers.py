"""What a user reads on the embedded model, with default settings: our instructions never come back
as a voice's words (in the answer, the drafts or the analysis), nothing is said of a tradition
that its texts do not support, and the classroom's "Whose voice is this?" cannot be won by
reading the tradition's name in the first words."""

from __future__ import annotations

import asyncio
import re
from collections import Counter

import pytest

from multiplex.graph import Engine, RunRequest, RunResult
from multiplex.graph.echo import Instructions
from multiplex.graph.sections import NOTHING_TRACED, SOURCES_HEADING
from multiplex.grounding.support import Evidence, check
from multiplex.scoring.lexicon import extractor_for
from multiplex.settings import load_settings
from multiplex.text.sentences import units
from tests.conftest import named

pytestmark = [pytest.mark.smoke, pytest.mark.timeout(900)]
QUESTIONS = (
    "Should routine child vaccinations be mandatory?",
    "Is it ever right to break a promise?",
    "How should a society care for its elderly?",
)


@pytest.fixture(scope="module")
def answered() -> tuple[Engine, list[RunResult]]:
    engine = Engine.from_settings(load_settings(model="local/smollm2"))

    async def all_of_them() -> list[RunResult]:
        return [await engine.run(RunRequest.ask(q, mode="mas")) for q in QUESTIONS]

    return engine, asyncio.run(all_of_them())


def sentences(text: str) -> list[str]:
    return [u.strip() for u in units(" ".join(text.split())) if u.strip()]


def test_our_instructions_never_reach_the_answer_the_drafts_or_the_analysis(answered) -> None:
    engine, results = answered
    echo = Instructions(engine.prompts)
    for result in results:
        shown = [result.text, *(p.content for p in result.perspectives)]
        if result.analysis is not None:
            a = result.analysis
            shown += [x.point for x in a.agreements] + [x.point for x in a.distinctive]
            shown += [side for t in a.tensions for side in t.sides.values()]
        # the answer's headings are multiplex's own words (the line naming the voices with nothing
        # traced can name all seven, as a prompt does): what is checked is what the model wrote
        written = [re.sub(r"\*\*[^*\n]+?\.\*\* ?", "", text) for text in shown]
        echoed = [s for text in written for s in sentences(text) if echo.echoed(s)]
        assert echoed == [], echoed
        assert result.grounding is not None and result.grounding.echoed >= 0  # what was left out is counted


def test_every_voice_sentence_of_the_answer_is_supported_by_its_tradition(answered) -> None:
    engine, results = answered
    for result in results:
        body = result.text.split(SOURCES_HEADING, 1)[0]
        for record in (p for p in result.perspectives if p.status == "ok"):
            assert record.name in named(body)  # every answered voice is named: its section, or the line of those
            if f"**{record.name}.** " not in body:  # with nothing traced to their texts
                continue
            section = body.split(f"**{record.name}.** ", 1)[1].split("\n\n", 1)[0]
            evidence = Evidence.of(engine.roster.get(record.id), record.citations)
            for sentence in sentences(re.sub(r" \[\d+\]", "", section)):
                quoted_alone = sentence.startswith("“")  # a line of its texts, checked word for word
                assert sentence == NOTHING_TRACED or quoted_alone or check(sentence, evidence).supported, sentence
        words = result.synthesis.words if result.synthesis else 0
        assert result.synthesis is not None and words <= (result.synthesis.word_budget or words)


def test_whose_voice_cannot_be_won_by_reading_the_names(answered) -> None:
    """A reader who picks, for each voice, the tradition the lexicon scorer finds most in its words:
    on the drafts as written it wins most of the time (each opens with its tradition's name); on the
    words the activity shows, masked, no better than chance plus a margin."""
    engine, results = answered
    lexicon = extractor_for(engine.roster)
    drafts = [(p.id, p.content) for r in results for p in r.perspectives if p.status == "ok"]
    assert len(drafts) >= 14

    def picks(text: str) -> str | None:
        counts = Counter(ref.perspective for ref in lexicon.extract(text))
        return counts.most_common(1)[0][0] if counts else None

    written = sum(picks(text) == pid for pid, text in drafts) / len(drafts)
    masked = sum(picks(engine.scorer.mask(text)) == pid for pid, text in drafts) / len(drafts)
    assert written >= 0.5, written  # the names give the voices away ...
    assert masked <= 1 / len(engine.roster) + 0.15, masked  # ... and masked, they do not
