"""Conformance: the official openai SDK against a real server."""

from __future__ import annotations

import threading

import openai
import pytest

from multiplex.llm import fake
from tests.conftest import IDS, named, wait_until
from tests.panel import CLOSING, DRAFTS, hindu_breaks, panel, unmarked


def client(server, **kwargs) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.api, api_key=kwargs.pop("api_key", "none"), max_retries=0, **kwargs)


def test_models_list_and_retrieve(server) -> None:
    ids = [m.id for m in client(server).models.list()]
    assert ids[:3] == ["multiplex-baseline", "multiplex-contextual", "multiplex-mas"]
    assert ids[3:] == [f"perspective-{i}" for i in IDS]
    hindu = client(server).models.retrieve("perspective-hindu")
    assert hindu.id == "perspective-hindu"
    assert hindu.model_extra["multiplex"] == {
        "mode": "perspective",
        "perspective": "hindu",
        "name": "Hindu",
        "model": "fake/test",
        "options": ["score", "cache"],
        "choosable_models": [],
        "demo": False,  # the fake model: no demonstration note on the page
    }
    mas = client(server).models.retrieve("multiplex-mas").model_extra["multiplex"]
    assert "models" in mas["options"] and mas["choosable_models"] == ["fake/test"]


def test_chat_completion_sync_with_extension(serve, scripted) -> None:
    server = serve(model=scripted("panel", panel))
    completion = client(server).chat.completions.create(
        model="multiplex-mas",
        messages=[{"role": "user", "content": "What is a good life?"}],
        temperature=0.3,
        max_tokens=2000,
        seed=7,
        user="u1",
        metadata={"lesson": "1"},
    )
    assert completion.id.startswith("chatcmpl-") and completion.created > 0
    assert completion.model == "multiplex-mas"
    assert completion.choices[0].finish_reason == "stop"
    content = completion.choices[0].message.content
    assert DRAFTS["islamic"] in unmarked(content)
    assert content.split("\n\n**Sources.**\n")[0].endswith(CLOSING)
    ext = completion.model_extra["multiplex"]
    assert ext["mode"] == "mas"
    assert [p["id"] for p in ext["perspectives"]] == IDS
    assert set(ext["perspectives"][0]) >= {"id", "name", "status", "content", "latency_ms", "usage", "model"}
    assert ext["synthesis"]["strategy"] == "sections" and ext["synthesis"]["closing"] is True
    assert ext["scores"]["synthesis"]["retention_min"] > 0.9
    assert "text" not in ext  # the answer is the message itself
    assert [c["role"] for c in ext["calls"]].count("perspective") == 7
    assert (
        completion.usage.total_tokens
        == ext["usage"]["total_tokens"]
        == sum(c["usage"]["total_tokens"] for c in ext["calls"])
    )
    assert ext["degraded"] is False and ext["missing"] == []


def test_request_extension_picks_perspectives_and_turns_scores_off(server) -> None:
    completion = client(server).chat.completions.create(
        model="multiplex-mas",
        messages=[{"role": "user", "content": "Q?"}],
        extra_body={"multiplex": {"perspectives": ["hindu", "african"], "score": False}},
    )
    ext = completion.model_extra["multiplex"]
    assert [p["id"] for p in ext["perspectives"]] == ["hindu", "african"]
    assert ext["scores"] is None


def test_every_mode_and_a_single_perspective(serve, scripted) -> None:
    server = serve(model=scripted("panel", panel))
    for model in ("multiplex-baseline", "multiplex-contextual", "perspective-confucian"):
        completion = client(server).chat.completions.create(
            model=model, messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Q?"}]
        )
        assert completion.choices[0].message.content
    assert completion.choices[0].message.content.startswith(DRAFTS["confucian"].split('"')[0])  # that voice alone
    assert completion.model_extra["multiplex"]["mode"] == "perspective"


async def test_async_streaming_with_usage(serve, scripted) -> None:
    server = serve(model=scripted("panel", panel))
    aclient = openai.AsyncOpenAI(base_url=server.api, api_key="none", max_retries=0)
    stream = await aclient.chat.completions.create(
        model="multiplex-mas",
        messages=[{"role": "user", "content": "Q?"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [c async for c in stream]
    assert chunks[0].choices[0].delta.role == "assistant"
    reasoning = [c.choices[0].delta.model_extra.get("reasoning_content") for c in chunks if c.choices]
    drafts = [r for r in reasoning if r]
    assert len(drafts) == 7 and drafts[0].startswith("**")
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "**Indigenous.**" in content and content.split("\n\n**Sources.**\n")[0].endswith(CLOSING)
    finish = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finish) == 1 and finish[0].choices[0].finish_reason == "stop"
    usage_chunk = chunks[-1]
    assert usage_chunk.choices == [] and usage_chunk.usage.total_tokens > 0
    record = usage_chunk.model_extra["multiplex"]
    assert record["mode"] == "mas" and [p["id"] for p in record["perspectives"]] == IDS and "text" not in record
    assert record["scores"]["synthesis"]["retention_min"] > 0.9
    await aclient.close()


def test_sync_streaming_without_drafts(server) -> None:
    stream = client(server).chat.completions.create(
        model="multiplex-mas",
        messages=[{"role": "user", "content": "Q?"}],
        stream=True,
        extra_body={"multiplex": {"stream_perspectives": False}},
    )
    chunks = list(stream)
    assert not any(c.choices and c.choices[0].delta.model_extra.get("reasoning_content") for c in chunks)
    assert "Western" in named("".join(c.choices[0].delta.content or "" for c in chunks if c.choices))


def test_error_classes(serve) -> None:
    server = serve(api_keys="k1", rate_limit_rpm=5, max_concurrent_runs=1, max_queued_runs=0, fake_latency_ms=400)
    good = client(server, api_key="k1")
    with pytest.raises(openai.AuthenticationError):
        client(server, api_key="wrong").models.list()
    with pytest.raises(openai.NotFoundError):
        good.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Q?"}])
    with pytest.raises(openai.BadRequestError) as bad:
        good.chat.completions.create(model="multiplex-mas", n=2, messages=[{"role": "user", "content": "Q?"}])
    assert bad.value.body["param"] == "n"
    # one slow run holds the only slot; with no queue, the next request is refused at once with 503
    slow = threading.Thread(
        target=lambda: client(server, api_key="k1").chat.completions.create(
            model="multiplex-mas", messages=[{"role": "user", "content": "Q?"}]
        )
    )
    slow.start()
    wait_until(lambda: fake.STATS.started > 0)
    with pytest.raises(openai.InternalServerError) as busy:
        good.chat.completions.create(model="multiplex-baseline", messages=[{"role": "user", "content": "Q?"}])
    assert busy.value.status_code == 503
    slow.join()
    good.models.list()  # the fifth request this minute is allowed, the sixth is not
    with pytest.raises(openai.RateLimitError) as limited:
        good.models.list()
    assert int(limited.value.response.headers["retry-after"]) >= 1


def test_below_quorum_is_503(serve, scripted) -> None:
    server = serve(model=scripted("mixed", hindu_breaks), fake_fail="islamic", quorum=1, retries=0)
    with pytest.raises(openai.APIStatusError) as info:
        client(server).chat.completions.create(model="multiplex-mas", messages=[{"role": "user", "content": "Q?"}])
    assert info.value.status_code == 503
    assert info.value.body["code"] == "quorum_not_met"
