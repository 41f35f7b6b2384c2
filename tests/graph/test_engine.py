import asyncio
import time

import pytest

from multiplex.errors import InvalidRequest, QuorumNotMet
from multiplex.graph import (
    AnswerDelta,
    Engine,
    PerspectiveDelta,
    PerspectiveDone,
    PerspectiveStarted,
    RunDone,
    RunRequest,
)
from multiplex.llm import GenerationParams, fake
from multiplex.scoring import score

IDS = ["western", "islamic", "confucian", "hindu", "buddhist", "african", "indigenous"]


def engine() -> Engine:
    return Engine.from_settings()


async def test_baseline_is_one_plain_call() -> None:
    result = await engine().run(RunRequest.ask("What is justice?", mode="baseline"))
    assert "What is justice?" in result.text
    assert result.perspectives == []
    assert fake.STATS.completed == 1
    assert score(result.text).pds_entropy == 0.0


async def test_contextual_is_one_call_with_the_multiplex_prompt() -> None:
    result = await engine().run(RunRequest.ask("What is justice?", mode="contextual"))
    assert fake.STATS.completed == 1
    assert score(result.text).pds_entropy > 0.5


async def test_mas_runs_every_perspective_then_synthesizes() -> None:
    result = await engine().run(RunRequest.ask("What makes a good teacher?", mode="mas"))
    assert [p.id for p in result.perspectives] == IDS
    assert all(p.status == "ok" and p.id.capitalize() in p.content for p in result.perspectives)
    assert fake.STATS.completed == 8
    for name in ("Western", "Islamic", "Confucian", "Hindu", "Buddhist", "African", "Indigenous"):
        assert name in result.text
    assert score(result.text).pds_entropy == pytest.approx(1.0)


async def test_usage_is_summed_over_every_call_and_kept_per_agent() -> None:
    result = await engine().run(RunRequest.ask("Q?", mode="mas"))
    assert set(result.usage_by_agent) == {*IDS, "synthesizer"}
    for p in result.perspectives:
        assert p.usage == result.usage_by_agent[p.id]
        assert p.usage.completion_tokens > 0
    total = sum(u.total_tokens for u in result.usage_by_agent.values())
    assert result.usage.total_tokens == total
    assert result.usage.prompt_tokens + result.usage.completion_tokens == total


async def test_perspective_subset_and_single_perspective_model() -> None:
    result = await engine().run(RunRequest.ask("Q?", mode="mas", perspectives=("hindu", "african")))
    assert [p.id for p in result.perspectives] == ["hindu", "african"]
    assert "Western" not in result.text
    alone = await engine().run(RunRequest.ask("Q?", mode="perspective", perspectives=("buddhist",)))
    assert alone.perspectives[0].id == "buddhist" and "Buddhist perspective" in alone.text
    with pytest.raises(InvalidRequest):
        await engine().run(RunRequest.ask("Q?", mode="mas", perspectives=("nope",)))


async def test_multi_turn_history_and_params_reach_the_agents() -> None:
    history = [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi, ask me anything."},
        {"role": "user", "content": "Is fasting wise?"},
    ]
    result = await engine().run(RunRequest(messages=history, mode="mas", params=GenerationParams(max_tokens=5)))
    assert all(p.usage.completion_tokens == 5 for p in result.perspectives)
    assert result.usage_by_agent["synthesizer"].completion_tokens == 5
    with pytest.raises(InvalidRequest, match="end with a user message"):
        await engine().run(RunRequest(messages=history[:2], mode="mas"))


async def test_a_failed_perspective_is_reported_and_kept_out_of_the_synthesis(env) -> None:
    env(fake_fail="islamic")
    result = await engine().run(RunRequest.ask("Q?", mode="mas"))
    islamic = next(p for p in result.perspectives if p.id == "islamic")
    assert islamic.status == "failed" and "fake outage" in (islamic.error or "")
    assert islamic.content == ""
    assert "Islamic" not in result.text
    assert "outage" not in result.text and "Error" not in result.text
    assert sum(p.status == "ok" for p in result.perspectives) == 6


async def test_every_perspective_failing_is_a_clear_error(env) -> None:
    env(fake_fail=",".join(IDS))
    with pytest.raises(QuorumNotMet, match="only 0 of 7 perspective agents answered"):
        await engine().run(RunRequest.ask("Q?", mode="mas"))


async def test_quorum_setting(env) -> None:
    env(fake_fail="islamic,hindu,buddhist", quorum="0.6")  # 4 of 7 answer, 5 needed
    with pytest.raises(QuorumNotMet, match=r"\(5 needed\)"):
        await engine().run(RunRequest.ask("Q?", mode="mas"))


async def test_streaming_order(env) -> None:
    env(fake_latency_ms=50)
    events = [e async for e in engine().stream(RunRequest.ask("Q?", mode="mas", stream=True))]
    kinds = [type(e) for e in events]
    assert kinds[-1] is RunDone
    first_answer = kinds.index(AnswerDelta)
    assert kinds.count(PerspectiveStarted) == 7 and kinds.count(PerspectiveDone) == 7
    assert max(i for i, k in enumerate(kinds) if k is PerspectiveDone) < first_answer
    assert all(k is AnswerDelta for k in kinds[first_answer:-1])
    for pid in IDS:  # each perspective's deltas add up to its record's content
        text = "".join(e.text for e in events if isinstance(e, PerspectiveDelta) and e.id == pid)
        record = next(e.record for e in events if isinstance(e, PerspectiveDone) and e.record.id == pid)
        assert text == record.content
    answer = "".join(e.text for e in events if isinstance(e, AnswerDelta))
    assert answer == events[-1].result.text


async def test_mas_fans_out_in_parallel(env) -> None:
    env(fake_latency_ms=200)
    e = engine()
    await e.run(RunRequest.ask("warm up", mode="baseline"))
    started = time.perf_counter()
    await e.run(RunRequest.ask("Q?", mode="mas"))
    elapsed = time.perf_counter() - started
    assert elapsed < 0.9, f"mas took {elapsed:.2f} s: agents did not run in parallel (ideal 0.4 s, serial 1.6 s)"


async def test_cancelling_a_run_cancels_pending_agent_calls(env) -> None:
    env(fake_latency_ms=2000)
    task = asyncio.create_task(engine().run(RunRequest.ask("Q?", mode="mas")))
    for _ in range(100):
        await asyncio.sleep(0.02)
        if fake.STATS.started == 7:
            break
    assert fake.STATS.started == 7
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.05)
    assert fake.STATS.cancelled == 7
    assert fake.STATS.in_flight == 0
    assert fake.STATS.completed == 0


async def test_planner_writes_tasks_when_enabled(env) -> None:
    env(planner="on")
    result = await engine().run(RunRequest.ask("Is fasting wise?", mode="mas"))
    assert "planner" in result.usage_by_agent
    assert all(p.task and "Is fasting wise?" in p.task for p in result.perspectives)
    assert fake.STATS.completed == 9


async def test_a_failed_call_is_retried_once_by_the_one_retry_layer(env) -> None:
    env(fake_fail="islamic", retries=1)
    await engine().run(RunRequest.ask("Q?", mode="mas"))
    assert fake.STATS.failed == 2  # islamic: the call and its one retry
    env(fake_fail="islamic", retries=0)
    fake.STATS.reset()
    await engine().run(RunRequest.ask("Q?", mode="mas"))
    assert fake.STATS.failed == 1


async def test_response_format_reaches_the_synthesizer_only(monkeypatch) -> None:
    from multiplex.graph import build

    seen: dict[str, object] = {}
    real = build.generate

    async def spy(model, messages, params, tag, on_token=None):
        seen[tag.role if tag.role != "perspective" else tag.perspective] = params.response_format
        return await real(model, messages, params, tag, on_token)

    monkeypatch.setattr(build, "generate", spy)
    fmt = {"type": "json_object"}
    await engine().run(RunRequest.ask("Q?", mode="mas", params=GenerationParams(response_format=fmt)))
    assert seen.pop("synthesizer") == fmt
    assert set(seen) == set(IDS) and all(v is None for v in seen.values())
