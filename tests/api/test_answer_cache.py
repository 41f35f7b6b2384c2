"""The answer cache in one process (tests/replicas/ holds the Redis-backed one across replicas): an
identical request is the same answer at no model call, streamed or not; a request may opt out;
sampling without a seed is a fresh draw; identical requests at once are one run."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from multiplex.graph import RunRequest
from multiplex.llm import GenerationParams
from tests.conftest import IDS, engine
from tests.panel import CLOSING, panel

Q = [{"role": "user", "content": "What do we owe our parents?"}]


@pytest.fixture
def counted(scripted):
    calls: list[str] = []

    def reply(call):
        calls.append(call.role)
        return panel(call)

    return scripted("counted", reply), calls


def chat(server, headers=None, **body) -> httpx.Response:
    payload = {"model": "multiplex-mas", "messages": Q, **body}
    return httpx.post(f"{server.api}/chat/completions", json=payload, headers=headers or {}, timeout=60)


def test_an_identical_request_is_the_same_answer_at_no_model_call(serve, counted) -> None:
    model, calls = counted
    server = serve(model=model, cache_ttl_s=60)
    first = chat(server).json()
    assert len(calls) == 9 and first["multiplex"]["cached"] is False
    second = chat(server).json()
    assert len(calls) == 9  # not one more call
    # as litellm reports a cache hit: the tokens of the run that made the answer; `cached`: it cost nothing now
    assert second["multiplex"]["cached"] is True and second["usage"] == first["usage"]
    assert second["usage"]["total_tokens"] > 0
    assert second["choices"][0]["message"] == first["choices"][0]["message"]
    assert second["multiplex"]["perspectives"] == first["multiplex"]["perspectives"]
    metrics = httpx.get(f"{server.base_url}/metrics").text
    assert "multiplex_cache_hits_total 1.0" in metrics


def test_a_cached_answer_replays_as_a_stream_with_its_drafts(serve, counted) -> None:
    model, calls = counted
    server = serve(model=model, cache_ttl_s=60)
    chat(server)
    with httpx.stream(
        "POST", f"{server.api}/chat/completions", json={"model": "multiplex-mas", "messages": Q, "stream": True}
    ) as reply:
        chunks = [json.loads(line[6:]) for line in reply.iter_lines() if line.startswith("data: {")]
    assert len(calls) == 9
    done = [
        c["multiplex"]["perspective"]["id"] for c in chunks if c.get("multiplex", {}).get("event") == "perspective_done"
    ]
    assert done == IDS
    drafts = "".join(c["choices"][0]["delta"].get("reasoning_content") or "" for c in chunks if c.get("choices"))
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))
    assert "**Hindu**" in drafts and CLOSING in text and chunks[-1]["multiplex"]["cached"] is True


@pytest.mark.parametrize(
    ("body", "headers"),
    [({"multiplex": {"cache": False}}, None), ({}, {"cache-control": "no-cache"}), ({"temperature": 0.7}, None)],
)
def test_what_is_not_answered_from_the_cache(serve, counted, body, headers) -> None:
    model, calls = counted
    server = serve(model=model, cache_ttl_s=60)
    chat(server, headers, **body)
    again = chat(server, headers, **body).json()
    assert len(calls) == 18 and again["multiplex"]["cached"] is False


def test_a_seeded_sample_is_cached_and_ttl_zero_turns_the_cache_off(serve, counted) -> None:
    model, calls = counted
    server = serve(model=model, cache_ttl_s=60)
    chat(server, temperature=0.7, seed=3)
    assert chat(server, temperature=0.7, seed=3).json()["multiplex"]["cached"] is True
    assert chat(server, temperature=0.7, seed=4).json()["multiplex"]["cached"] is False
    assert len(calls) == 18
    off = serve(model=model, cache_ttl_s=0)
    chat(off)
    chat(off)
    assert len(calls) == 36


async def test_identical_requests_at_once_are_one_run(counted, env) -> None:
    model, calls = counted
    env(fake_latency_ms=200)
    shared_engine = engine(model=model, cache_ttl_s=60)
    results = await asyncio.gather(*(shared_engine.run(RunRequest.ask("Q?", mode="mas")) for _ in range(5)))
    assert len(calls) == 9
    assert sum(r.cached for r in results) == 4 and len({r.text for r in results}) == 1


async def test_a_failed_run_is_not_cached(scripted, env) -> None:
    calls: list[str] = []

    def flaky(call):
        calls.append(call.role)
        if len(calls) == 1:
            raise RuntimeError("upstream down")
        return panel(call)

    shared_engine = engine(model=scripted("flaky", flaky), cache_ttl_s=60, retries=0)
    request = RunRequest.ask("Q?", mode="baseline", params=GenerationParams(max_tokens=20))
    with pytest.raises(Exception, match="upstream down"):
        await shared_engine.run(request)
    assert (await shared_engine.run(request)).cached is False


def test_an_answer_with_a_voice_missing_is_never_replayed(serve, counted, env) -> None:
    """One transient failure must not show a class a missing voice for the cache's lifetime."""
    model, calls = counted
    server = serve(model=model, cache_ttl_s=3600, fake_fail="islamic", retries=0)
    first = chat(server).json()
    assert first["multiplex"]["degraded"] is True and first["multiplex"]["missing"] == ["islamic"]
    asked = len(calls)
    again = chat(server).json()
    assert again["multiplex"]["cached"] is False and len(calls) == 2 * asked  # asked again, in full


async def test_an_answer_whose_closing_failed_is_never_replayed(scripted) -> None:
    calls: list[str] = []

    def closing_fails(call):
        calls.append(call.role)
        if call.role == "synthesizer":
            raise RuntimeError("the closing's model is down")
        return panel(call)

    shared_engine = engine(model=scripted("closing-fails", closing_fails), cache_ttl_s=3600, retries=0)
    first = await shared_engine.run(RunRequest.ask("Q?", mode="mas"))
    assert first.synthesis.failed == ["closing"] and not first.missing  # every voice is there
    again = await shared_engine.run(RunRequest.ask("Q?", mode="mas"))
    assert again.cached is False and calls.count("synthesizer") == 2


def test_the_key_follows_what_makes_the_answer() -> None:
    """Any setting that changes an answer changes the key; one that only serves it does not."""
    base = engine(cache_ttl_s=60).cache.fingerprint
    assert engine(cache_ttl_s=60, answer_length=3.0).cache.fingerprint != base
    assert engine(cache_ttl_s=60, quorum=0.9).cache.fingerprint != base
    assert engine(cache_ttl_s=60, port=9999, log_level="debug").cache.fingerprint == base


async def test_a_cache_entry_that_does_not_read_as_a_run_is_a_miss(counted) -> None:
    model, calls = counted
    shared_engine = engine(model=model, cache_ttl_s=60)
    request = RunRequest.ask("Q?", mode="mas")
    await shared_engine.run(request)
    key = shared_engine.cache.key(request)
    expires, _ = shared_engine.cache._local[key]
    shared_engine.cache._local[key] = (expires, '{"mode": "mas", "text": 3}')  # damaged, or another version's
    again = await shared_engine.run(request)
    assert again.cached is False and len(calls) == 18
