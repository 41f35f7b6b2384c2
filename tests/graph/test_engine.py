import asyncio
import math
import re
import time

import pytest

from multiplex.errors import InvalidRequest, QuorumNotMet, UpstreamError
from multiplex.graph import (
    AnalysisDone,
    AnswerDelta,
    PerspectiveDelta,
    PerspectiveDone,
    PerspectiveStarted,
    RunDone,
    RunRequest,
)
from multiplex.graph.sections import VOICE_WORDS, WORDS_PER_TOKEN
from multiplex.llm import GenerationParams, fake
from tests.conftest import IDS, NAMES, engine, named
from tests.panel import BASELINE, CLOSING, DRAFTS, panel, unmarked


async def test_baseline_is_one_plain_call_with_the_clients_messages(fake_model) -> None:
    model = fake_model("seen").enqueue("An answer.")
    result = await engine(model=model.model).run(RunRequest.ask("What is justice?", mode="baseline"))
    assert result.text == "An answer." and result.perspectives == []
    [call] = model.calls
    assert call.messages == [{"role": "user", "content": "What is justice?"}]


async def test_contextual_is_one_call_with_the_multiplex_prompt(fake_model) -> None:
    model = fake_model("seen").enqueue("An answer.")
    await engine(model=model.model).run(RunRequest.ask("What is justice?", mode="contextual"))
    [call] = model.calls
    assert "multiplexity" in call.system and call.user == "What is justice?"


async def test_a_queued_failure_is_the_providers_and_the_next_reply_answers(fake_model) -> None:
    from litellm.exceptions import RateLimitError

    model = fake_model("queued").enqueue(RateLimitError("slow down", "fake", "fake/queued"), "The second reply.")
    result = await engine(model=model.model).run(RunRequest.ask("What is justice?", mode="baseline"))
    assert result.text == "The second reply." and len(model.calls) == 2  # retried once, as a 429 is
    assert fake.STATS.failed == 1 and fake.STATS.completed == 1


async def test_mas_runs_every_perspective_then_writes_sections_and_a_closing(scripted) -> None:
    model = scripted("panel", panel)
    result = await engine(model=model).run(RunRequest.ask("What do we owe our parents?", mode="mas"))
    assert [p.id for p in result.perspectives] == IDS
    assert all(p.status == "ok" and p.content == DRAFTS[p.id] for p in result.perspectives)
    assert fake.STATS.completed == 9  # seven voices, the considerations, the closing
    assert result.considerations is not None and result.considerations.content == BASELINE
    assert unmarked(result.text).startswith(f"**Main considerations.** {BASELINE}\n\n**Western.** ")
    for card_id, name in zip(IDS, NAMES, strict=True):
        assert f"**{name}.** {DRAFTS[card_id]}" in unmarked(result.text)  # each draft, whole, under its own name
    answer, sources = result.text.split("\n\n**Sources.**\n")
    assert answer.endswith(CLOSING)
    numbered = re.findall(r"^- \[(\d+)\] ", sources, re.M)
    assert numbered == [str(i) for i in range(1, len(numbered) + 1)] and len(numbered) >= 3  # what they quote
    assert result.synthesis is not None and result.synthesis.strategy == "sections" and result.synthesis.closing
    assert result.synthesis.words <= result.synthesis.word_budget
    assert result.scores is not None and result.scores.synthesis is not None
    assert result.scores.synthesis.retention_min > 0.9  # every draft is in its section, whole
    roles = [c.role for c in result.calls]
    assert roles.count("perspective") == 7 and roles.count("considerations") == 1 and roles[-1] == "synthesizer"


async def test_a_voice_whose_texts_support_nothing_it_wrote_keeps_its_heading_and_says_so(scripted) -> None:
    """What a voice says of its tradition that its texts and card do not support never reaches the
    user: it is listed, and a voice left with nothing says so in one line, under its own name."""
    from multiplex.graph.sections import NOTHING_TRACED

    invented = "The Upanishads command every family to build a golden house by the river."

    def reply(call):
        return invented if call.perspective == "hindu" else panel(call)

    for stream in (False, True):
        model = scripted("unsupported", reply)
        result = await engine(model=model).run(RunRequest.ask("What do we owe our parents?", stream=stream))
        assert all(p.status == "ok" for p in result.perspectives)  # the draft is the voice's own record
        assert "golden house" not in result.text
        for name in NAMES:
            assert f"**{name}.** " in result.text  # every voice that answered is named
        hindu = result.text.split("**Hindu.** ", 1)[1].split("\n\n", 1)[0]
        assert hindu == NOTHING_TRACED or hindu.startswith("“")  # or a line of its texts, if one fits
        [claim] = [c for c in result.grounding.unsupported_claims if c.perspectives == ["hindu"]]
        assert claim.sentence == invented and claim.reason == "not found in its texts or card"


async def test_voices_with_nothing_traced_are_named_together_in_one_line(scripted) -> None:
    """Three voices whose texts support nothing they wrote: one line names them, after the voices
    that said something, rather than three lines saying the same (streamed or not)."""
    from multiplex.graph.sections import NOTHING_TRACED_OF_SEVERAL

    silent = {"hindu", "buddhist", "african"}

    def reply(call):
        invented = "Its sages command every family to build a golden house by the river."
        return invented if call.perspective in silent else panel(call)

    answers = []
    for stream in (False, True):
        model = scripted(f"silent-{stream}", reply)
        result = await engine(model=model).run(RunRequest.ask("What do we owe our parents?", stream=stream))
        blocks = result.text.split("\n\n")
        line = f"**Hindu, Buddhist and African.** {NOTHING_TRACED_OF_SEVERAL}"
        assert line in blocks and blocks.index(line) == 5  # after the considerations and four sections
        assert blocks[6].startswith("**Common ground and tensions.** ")
        assert [block.split(".**", 1)[0] for block in blocks[1:5]] == [
            "**Western",
            "**Islamic",
            "**Confucian",
            "**Indigenous",
        ]
        assert all(result.text.count(name) == 1 for name in ("Hindu", "Buddhist", "African"))
        answers.append(result.text)
    assert answers[0] == answers[1]


async def test_no_closing_is_written_on_fewer_than_two_voices(scripted) -> None:
    """A closing on common ground and tensions needs two voices that said something: with one, the
    model would write of "these traditions" what none of them said."""

    def reply(call):
        talking = call.perspective in (None, "western")
        return panel(call) if talking else "Its sages command every family to build a golden house by the river."

    result = await engine(model=scripted("one-voice", reply)).run(RunRequest.ask("Q?"))  # no passage fits "Q?"
    assert result.synthesis is not None and result.synthesis.closing is False
    assert "no common ground or tension to close on" in (result.synthesis.note or "")
    assert "Common ground" not in result.text and "synthesizer" not in [c.role for c in result.calls]
    assert result.text.split("\n\n")[1].startswith("**Western.** ")


async def test_scores_are_those_of_the_answer_not_of_the_roster(scripted) -> None:
    model = scripted("plain", lambda call: BASELINE)
    result = await engine(model=model).run(RunRequest.ask("Q?", mode="baseline"))
    assert result.scores is not None and result.scores.no_references is True
    assert result.scores.synthesis is None  # no drafts behind a baseline answer


async def test_the_llm_synthesis_and_its_guard_against_process_talk(scripted) -> None:
    kept = " ".join(DRAFTS.values())

    def reply(call):
        if call.role == "synthesizer":
            return f"The first draft is Western. {kept} As an AI, I summarise."
        return panel(call)

    model = scripted("talky", reply)
    result = await engine(model=model, synthesis="llm").run(RunRequest.ask("Q?", mode="mas"))
    assert unmarked(result.text).startswith(f"**Main considerations.** {BASELINE}\n\n{kept}")
    assert "draft" not in result.text and "As an AI" not in result.text
    assert result.synthesis.strategy == "llm" and result.synthesis.removed_sentences == 2
    assert not result.synthesis.replaced and result.synthesis.model == model and result.synthesis.restored == []


async def test_the_llm_synthesis_opens_with_the_considerations_whole_and_writes_what_follows(fake_model) -> None:
    """A synthesizer asked to restate the considerations lost most of them: they open the answer as
    written, and the synthesizer is told so and given the words that are left."""
    written = " ".join(DRAFTS.values())
    model = fake_model("follows", lambda call: written if call.role == "synthesizer" else panel(call))
    for stream in (False, True):
        request = RunRequest.ask("Q?", mode="mas", stream=stream)
        events = [e async for e in engine(model=model.model, synthesis="llm").stream(request)]
        result = events[-1].result
        body = unmarked(result.text).split("\n\n**Sources.**")[0]  # the works its quotations come from follow
        assert body == f"**Main considerations.** {BASELINE}\n\n{written}"
        if stream:
            assert "".join(e.text for e in events if isinstance(e, AnswerDelta)) == result.text
    call = [c for c in model.calls if c.role == "synthesizer"][-1]
    asked = call.messages[-1]["content"]
    assert BASELINE in asked and "Now write what follows the considerations" in asked
    words = int(re.search(r"Write at most (\d+) words", asked).group(1))
    assert words == result.synthesis.word_budget - len(BASELINE.split())
    assert call.max_tokens == math.ceil(words / WORDS_PER_TOKEN)  # a model that writes more is cut there


async def test_voices_an_llm_synthesis_loses_are_restored_from_their_drafts(scripted) -> None:
    kept = " ".join(DRAFTS[i] for i in ("western", "islamic", "confucian", "hindu", "buddhist"))

    def reply(call):  # the synthesis drops the African and Indigenous voices
        return f"{kept} These traditions share a sense of duty." if call.role == "synthesizer" else panel(call)

    model = scripted("lossy", reply)
    for stream in (False, True):
        events = [
            e
            async for e in engine(model=model, synthesis="llm").stream(RunRequest.ask("Q?", mode="mas", stream=stream))
        ]
        result = events[-1].result
        assert result.synthesis.restored == ["african", "indigenous"]
        assert "did not give African, Indigenous their say" in result.synthesis.note
        assert f"**African.** {DRAFTS['african']}" in result.text and "**Indigenous.**" in result.text
        assert "Western" not in named(result.text)  # voices the synthesis kept are not repeated
        assert result.scores.synthesis.retention_min > 0.9  # every voice is in the answer now
        if stream:
            assert "".join(e.text for e in events if isinstance(e, AnswerDelta)) == result.text


async def test_voices_given_back_share_what_the_word_budget_leaves(fake_model) -> None:
    """A synthesis that writes its whole allotment and names no tradition: every voice is given back,
    each in the least a section is given, so the answer stays near its budget, not half again over it."""
    essay = "Care for the old is a duty most people feel and few can meet alone. " * 20  # 280 words
    model = fake_model("essay", lambda call: essay if call.role == "synthesizer" else panel(call))
    result = await engine(model=model.model, synthesis="llm").run(RunRequest.ask("Q?", mode="mas"))
    assert len(result.synthesis.restored) == 7
    body = unmarked(result.text).split("\n\n**Sources.**")[0]
    over = len(body.split()) - result.synthesis.word_budget
    assert over <= 7 * (VOICE_WORDS + 1), over  # a heading and the least a section is given, each


async def test_a_failed_llm_synthesizer_leaves_the_considerations_and_sections_within_the_budget(fake_model) -> None:
    def reply(call):
        if call.role == "synthesizer":
            raise RuntimeError("synthesizer down")
        return panel(call)

    model = fake_model("down", reply)
    for stream in (False, True):
        events = [
            e
            async for e in engine(model=model.model, synthesis="llm").stream(
                RunRequest.ask("Q?", mode="mas", stream=stream)
            )
        ]
        result = events[-1].result
        assert result.synthesis.replaced and "synthesizer down" in result.synthesis.note
        body = unmarked(result.text).split("\n\n**Sources.**")[0]
        assert body.startswith(f"**Main considerations.** {BASELINE}\n\n**Western.** ")
        assert body.count("**Main considerations.**") == 1 and all(f"**{name}.**" in body for name in NAMES)
        assert len(body.split()) <= result.synthesis.word_budget
        if stream:
            assert "".join(e.text for e in events if isinstance(e, AnswerDelta)) == result.text


async def test_an_llm_synthesis_that_only_talks_about_itself_is_replaced_by_sections(scripted) -> None:
    def reply(call):
        return "These drafts were written by agents." if call.role == "synthesizer" else panel(call)

    model = scripted("only-talk", reply)
    result = await engine(model=model, synthesis="llm").run(RunRequest.ask("Q?", mode="mas"))
    assert result.synthesis.replaced and result.synthesis.strategy == "llm"
    assert "Western" in named(result.text) and "drafts" not in result.text


async def test_usage_is_summed_over_every_call_and_each_call_is_booked(scripted) -> None:
    result = await engine(model=scripted("test", panel)).run(RunRequest.ask("Q?", mode="mas"))
    assert [(c.role, c.perspective) for c in result.calls if c.role == "synthesizer"] == [("synthesizer", None)]
    by_perspective = {c.perspective: c for c in result.calls if c.role == "perspective"}
    assert set(by_perspective) == set(IDS)
    for p in result.perspectives:
        assert p.usage == by_perspective[p.id].usage and p.usage.completion_tokens > 0
        assert p.model == by_perspective[p.id].model == "fake/test"
    assert result.usage.total_tokens == sum(c.usage.total_tokens for c in result.calls)
    assert result.model_dump()["usage"]["total_tokens"] == result.usage.total_tokens


async def test_a_card_may_not_take_the_name_of_a_role(tmp_path) -> None:
    """A card's id is refused when a role has it ("synthesizer"): a record, a log line or a metric
    naming it would not say which is meant."""
    from multiplex.errors import ConfigError
    from multiplex.roster import load_roster

    (tmp_path / "synthesizer.toml").write_text(
        'id = "synthesizer"\nname = "S"\ndescription = "d"\npersona = "p"\nlexicon = ["s"]\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="'synthesizer' is reserved"):
        load_roster(tmp_path)


async def test_perspective_subset_and_single_perspective_model(scripted) -> None:
    model = scripted("panel", panel)
    result = await engine(model=model).run(RunRequest.ask("Q?", mode="mas", perspectives=("hindu", "african")))
    assert [p.id for p in result.perspectives] == ["hindu", "african"]
    assert "Western" not in named(result.text) and "Hindu" in named(result.text)
    alone = await engine(model=model).run(RunRequest.ask("Q?", mode="perspective", perspectives=("buddhist",)))
    assert [p.id for p in alone.perspectives] == ["buddhist"] and [c.role for c in alone.calls] == ["perspective"]
    assert unmarked(alone.text).startswith(DRAFTS["buddhist"])  # its own draft, and nothing of another voice
    with pytest.raises(InvalidRequest):
        await engine().run(RunRequest.ask("Q?", mode="mas", perspectives=("nope",)))


async def test_multi_turn_history_and_params_reach_the_agents(scripted) -> None:
    seen = []
    model = scripted("seen", lambda call: seen.append(call) or "one two three four five six seven eight")
    history = [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi, ask me anything."},
        {"role": "user", "content": "Is fasting wise?"},
    ]
    result = await engine(model=model).run(
        RunRequest(messages=history, mode="mas", params=GenerationParams(max_tokens=5))
    )
    # max_tokens caps the answer the client reads, not the drafts behind it (they have their own budget)
    assert all(p.usage.completion_tokens == 8 and p.finish_reason == "stop" for p in result.perspectives)
    assert result.finish_reason == "length" and result.usage.answer_tokens == 5
    agents = [c for c in seen if c.role == "perspective"]
    assert all([m["role"] for m in c.messages] == ["system", "user", "assistant", "user"] for c in agents)
    with pytest.raises(InvalidRequest, match="end with a user message"):
        await engine().run(RunRequest(messages=history[:2], mode="mas"))


async def test_finish_reason_is_length_when_max_tokens_cuts_the_answer(scripted) -> None:
    model = scripted("long", lambda call: "word " * 50)
    cut = await engine(model=model).run(RunRequest.ask("Q?", mode="baseline", params=GenerationParams(max_tokens=5)))
    assert cut.finish_reason == "length"
    whole = await engine(model=model).run(RunRequest.ask("Q?", mode="baseline"))
    assert whole.finish_reason == "stop"


async def test_a_draft_the_guard_keeps_nothing_of_says_why(scripted) -> None:
    """A voice whose every sentence was left out fails with the reasons counted, not a guess."""

    def reply(call):
        if call.perspective == "hindu":
            return 'The drafts agree. As the Gita says, "the moon is made of green cheese and nothing else." '
        return panel(call)

    result = await engine(model=scripted("all-left-out", reply)).run(RunRequest.ask("Q?", mode="mas"))
    hindu = next(p for p in result.perspectives if p.id == "hindu")
    assert hindu.status == "failed" and result.missing == ["hindu"]
    assert hindu.error == (
        "fake/all-left-out: nothing of the Hindu answer could be shown (left out: 1 sentence that quoted "
        "words that no source holds; 1 sentence that spoke of the process)"
    )


async def test_a_failed_perspective_is_reported_and_kept_out_of_the_synthesis(env, scripted) -> None:
    env(fake_fail="islamic")
    model = scripted("panel", panel)
    result = await engine(model=model).run(RunRequest.ask("Q?", mode="mas"))
    islamic = next(p for p in result.perspectives if p.id == "islamic")
    assert islamic.status == "failed" and "fake outage" in (islamic.error or "")
    assert islamic.failure == "upstream_error" and islamic.content == ""
    assert result.degraded and result.missing == ["islamic"]
    assert "**Islamic.**" not in result.text and "Quran" not in result.text
    assert "outage" not in result.text
    assert sum(p.status == "ok" for p in result.perspectives) == 6
    assert "islamic" not in result.scores.synthesis.retention


async def test_every_perspective_failing_alike_is_that_failure(env) -> None:
    env(fake_fail=",".join(IDS))
    with pytest.raises(UpstreamError, match="only 0 of 7 perspective agents answered.*fake outage") as failed:
        await engine().run(RunRequest.ask("Q?", mode="mas"))
    assert type(failed.value) is UpstreamError and failed.value.provider_status == 503


async def test_perspectives_failing_for_different_reasons_are_below_quorum(env, scripted) -> None:
    def reply(call):
        if call.perspective == "hindu":
            raise RuntimeError("a different breakage")
        return panel(call)

    env(fake_fail="islamic,buddhist", quorum="0.6", retries=0)  # 4 of 7 answer, 5 needed
    with pytest.raises(QuorumNotMet, match=r"\(5 needed\).*islamic: .*fake outage.*hindu: .*different breakage"):
        await engine(model=scripted("mixed", reply)).run(RunRequest.ask("Q?", mode="mas"))


async def test_streaming_order(env) -> None:
    env(fake_latency_ms=50)
    events = [e async for e in engine().stream(RunRequest.ask("Q?", mode="mas", stream=True))]
    kinds = [type(e) for e in events]
    assert kinds[-1] is RunDone
    first_answer = kinds.index(AnswerDelta)
    assert kinds.count(PerspectiveStarted) == 7 and kinds.count(PerspectiveDone) == 7
    assert max(i for i, k in enumerate(kinds) if k is PerspectiveDone) < first_answer
    assert all(k is AnswerDelta for k in kinds[first_answer:-2]) and kinds[-2] is AnalysisDone
    for pid in IDS:  # each perspective's deltas add up to its record's content
        text = "".join(e.text for e in events if isinstance(e, PerspectiveDelta) and e.id == pid)
        record = next(e.record for e in events if isinstance(e, PerspectiveDone) and e.record.id == pid)
        assert text == record.content
    answer = "".join(e.text for e in events if isinstance(e, AnswerDelta))
    assert answer.strip() == events[-1].result.text


async def test_mas_fans_out_in_parallel(env) -> None:
    env(fake_latency_ms=100)
    await engine().run(RunRequest.ask("Q?", mode="mas"))
    assert fake.STATS.peak_in_flight == 8  # all seven agents and the considerations waited on their model at once


async def test_cancelling_a_run_cancels_pending_agent_calls(env) -> None:
    env(fake_latency_ms=2000)
    task = asyncio.create_task(engine().run(RunRequest.ask("Q?", mode="mas")))
    for _ in range(100):
        await asyncio.sleep(0.02)
        if fake.STATS.started == 8:
            break
    assert fake.STATS.started == 8  # seven voices and the considerations
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.05)
    assert fake.STATS.cancelled == 8
    assert fake.STATS.in_flight == 0
    assert fake.STATS.completed == 0


async def test_planner_writes_tasks_when_enabled(env, scripted) -> None:
    env(planner="on")
    result = await engine(model=scripted("planned", panel)).run(RunRequest.ask("Is fasting wise?", mode="mas"))
    assert [c.role for c in result.calls][0] == "planner"
    assert all(p.task and "Is fasting wise?" in p.task for p in result.perspectives)
    assert fake.STATS.completed == 10  # the planner, seven voices, the considerations, the closing


async def test_a_failed_planner_is_logged_and_every_agent_answers_the_question(env, scripted, logs) -> None:
    def reply(call):
        if call.role == "planner":
            raise RuntimeError("planner down")
        return panel(call)

    env(planner="on", retries=0)
    result = await engine(model=scripted("no-plan", reply)).run(RunRequest.ask("Q?", mode="mas"))
    assert all(p.status == "ok" and p.task is None for p in result.perspectives)
    assert "the planner failed" in logs.text


async def test_a_failed_call_is_retried_once_by_the_one_retry_layer(env) -> None:
    env(fake_fail="islamic", retries=1)
    await engine().run(RunRequest.ask("Q?", mode="mas"))
    assert fake.STATS.failed == 2  # islamic: the call and its one retry
    env(fake_fail="islamic", retries=0)
    fake.STATS.reset()
    await engine().run(RunRequest.ask("Q?", mode="mas"))
    assert fake.STATS.failed == 1


async def test_response_format_reaches_the_synthesizer_only(scripted) -> None:
    seen: dict[str, object] = {}

    def reply(call):
        seen[call.perspective or call.role] = call
        return '{"answer": "yes"}' if call.role == "synthesizer" else panel(call)

    model = scripted("fmt", reply)
    fmt = {"type": "json_object"}
    request = RunRequest.ask("Q?", mode="mas", params=GenerationParams(response_format=fmt))
    result = await engine(model=model).run(request)
    assert result.text == '{"answer": "yes"}'  # a format the client asked for: the llm synthesis, untouched
    assert set(seen) == {*IDS, "considerations", "synthesizer"}
    assert seen.pop("synthesizer").response_format == fmt
    assert all(call.response_format is None for call in seen.values())


async def test_a_judge_failure_keeps_the_answer_with_a_scoring_error(scripted) -> None:
    judge = scripted("bad-judge", lambda call: "no JSON here")
    result = await engine(judge=judge).run(RunRequest.ask("Q?", mode="baseline"))
    assert result.text and result.scores is None
    assert "no valid answer in 2 attempts" in (result.score_error or "")


async def test_each_engine_runs_with_the_settings_it_was_given() -> None:
    """No global settings under the engine: two engines in one process keep to their own."""
    from multiplex.errors import UpstreamTimeout

    slow = engine(fake_latency_ms=400, timeout_s=0.1, retries=0)
    quick = engine(fake_latency_ms=0, max_tokens=3)
    results = await asyncio.gather(
        slow.run(RunRequest.ask("Q?", mode="baseline")),
        quick.run(RunRequest.ask("Q?", mode="baseline")),
        return_exceptions=True,
    )
    assert isinstance(results[0], UpstreamTimeout)
    assert results[1].usage.completion_tokens == 3 and results[1].finish_reason == "length"


async def test_over_a_real_provider_a_cut_stream_and_a_hang_are_failed_drafts(upstream) -> None:
    """litellm's `openai/` provider over HTTP: one perspective's stream is cut mid-way, another's
    upstream never answers; both are failed records, the other five are synthesised."""
    from tests.upstream import Reply

    upstream.script(Reply(text="Words " * 40, cut_after=3), when_system="voice of the Islamic tradition")
    upstream.script(Reply(hang=True), when_system="voice of the Hindu tradition")
    mas = engine(model="openai/loopback-model", retries=0, timeout_s=3, planner="off", synthesis="llm")
    request = RunRequest.ask("What do we owe our parents?", mode="mas", stream=True)
    started = time.monotonic()
    events = [e async for e in mas.stream(request)]
    assert time.monotonic() - started < 10
    done = {e.record.id: e.record for e in events if isinstance(e, PerspectiveDone)}
    assert done["islamic"].status == "failed" and done["hindu"].status == "failed"
    assert "stream broke off" in (done["islamic"].error or "") and done["islamic"].failure == "upstream_error"
    assert done["hindu"].failure == "timeout" and "within 3 s" in (done["hindu"].error or "")
    assert sum(r.status == "ok" for r in done.values()) == 5
    result = events[-1].result if isinstance(events[-1], RunDone) else None
    assert result is not None and result.text.startswith("**Main considerations.** Upstream answer to:")
    synthesizer = [c for c in upstream.calls if "multiplex synthesizer" in c.system]
    assert len(synthesizer) == 1 and "Islamic" not in synthesizer[0].last_user
