import json

import pytest

from multiplex.errors import InvalidRequest, JudgeError
from multiplex.llm import fake
from tests.conftest import engine

TEXT = "The Quran speaks of wonderful love and mercy. Ubuntu suffers a terrible, cruel defeat."
VALID = json.dumps(
    {
        "references": [
            {"perspective": "islamic", "term": "Quran", "sentence": "The Quran speaks of wonderful love and mercy."},
            {"perspective": "african", "term": "Ubuntu", "sentence": "Ubuntu suffers a terrible, cruel defeat."},
        ]
    }
)


def scorer(judge: str):
    return engine(judge=judge).scorer


async def test_llm_judge_with_valid_json(scripted) -> None:
    seen = []
    judge = scripted("judge", lambda call: seen.append(call) or VALID)
    result = await scorer(judge).score(TEXT)
    assert result.judge == judge
    assert result.counts["islamic"] == 1 and result.counts["african"] == 1
    islamic, african = result.references
    assert islamic.sentence == "The Quran speaks of wonderful love and mercy." and islamic.compound > 0.5
    assert african.sentence == "Ubuntu suffers a terrible, cruel defeat." and african.compound < -0.5
    assert result.sentiment.per_perspective["islamic"].label == "positive"
    assert result.sentiment.per_perspective["african"].label == "negative"
    assert fake.STATS.completed == 1
    schema = seen[0].response_format["json_schema"]["schema"]  # the judge asks for its JSON shape
    assert schema["properties"]["references"]["items"]["properties"]["perspective"]["enum"][0] == "western"


async def test_invented_references_are_dropped_and_sentences_come_from_the_text(scripted) -> None:
    answer = json.dumps(
        {
            "references": [
                {"perspective": "islamic", "term": "quran", "sentence": "made up"},
                {"perspective": "hindu", "term": "Vedas", "sentence": "The Vedas say so."},
            ]
        }
    )
    judge = scripted("judge-inventing", lambda call: answer)
    result = await scorer(judge).score(TEXT)
    assert [(r.perspective, r.sentence) for r in result.references] == [
        ("islamic", "The Quran speaks of wonderful love and mercy.")
    ]


async def test_llm_judge_invalid_then_valid_is_retried_once(scripted) -> None:
    answers = iter(["Sure! islamic (Quran), and some others.", VALID])
    judge = scripted("judge-once", lambda call: next(answers))
    result = await scorer(judge).score(TEXT)
    assert result.counts["african"] == 1
    assert fake.STATS.completed == 2


async def test_llm_judge_invalid_twice_is_an_error_not_a_guess(scripted) -> None:
    judge = scripted("judge-never", lambda call: '{"references": [{"perspective": "martian", "term": "x"}]}')
    with pytest.raises(JudgeError, match="no valid answer in 2 attempts .*unknown perspective ids"):
        await scorer(judge).score(TEXT)
    assert fake.STATS.completed == 2


async def test_unknown_judge_name_is_a_client_error() -> None:
    with pytest.raises(InvalidRequest, match="judge must be"):
        await engine().scorer.score(TEXT, judge="gpt4")


async def test_default_judge_is_the_lexicon() -> None:
    result = await engine().scorer.score(TEXT)
    assert result.judge == "lexicon"
    assert fake.STATS.started == 0
