import pytest

from multiplex.errors import InvalidRequest, JudgeError
from multiplex.llm import fake
from multiplex.scoring import ascore

TEXT = "The Quran speaks of mercy. Ubuntu speaks of community."


async def test_llm_judge_with_valid_json() -> None:
    result = await ascore(TEXT, judge="fake/judge")
    assert result.judge == "fake/judge"
    assert result.counts["islamic"] == 1 and result.counts["african"] == 1
    assert fake.STATS.completed == 1


async def test_llm_judge_invalid_then_valid_is_retried_once() -> None:
    result = await ascore(TEXT, judge="fake/judge-invalid-once")
    assert result.counts["african"] == 1
    assert fake.STATS.completed == 2


async def test_llm_judge_invalid_twice_is_an_error_not_a_guess() -> None:
    with pytest.raises(JudgeError, match="no valid answer in 2 attempts"):
        await ascore(TEXT, judge="fake/judge-invalid")
    assert fake.STATS.completed == 2


async def test_unknown_judge_name_is_a_client_error() -> None:
    with pytest.raises(InvalidRequest, match="judge must be"):
        await ascore(TEXT, judge="gpt4")


async def test_default_judge_is_the_lexicon() -> None:
    result = await ascore(TEXT)
    assert result.judge == "lexicon"
    assert fake.STATS.started == 0
