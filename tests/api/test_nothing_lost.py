"""Nothing finished is thrown away, against a real HTTP upstream: a closing or a synthesizer that
fails leaves the sections of the drafts (marked), streamed or not; an empty answer is a failure
of that call, never an `ok` draft or a 200 with empty content."""

from __future__ import annotations

import json

import httpx
import pytest

from multiplex.roster import load_roster
from tests.conftest import NAMES, named
from tests.panel import DRAFTS
from tests.upstream import Reply

MODEL = "openai/loopback-model"
Q = [{"role": "user", "content": "What do we owe our parents?"}]
CLOSING = "the last paragraph of an answer"  # in the closing's system prompt
SYNTHESIZER = "You are the multiplex synthesizer"


def post(server, model: str = "multiplex-mas") -> httpx.Response:
    return httpx.post(f"{server.api}/chat/completions", json={"model": model, "messages": Q}, timeout=30)


def stream(server, model: str = "multiplex-mas") -> tuple[str, dict, list]:
    body = {"model": model, "messages": Q, "stream": True}
    with httpx.stream("POST", f"{server.api}/chat/completions", json=body, timeout=30) as response:
        text = "".join(response.iter_text())
    frames = [json.loads(f[6:]) for f in text.split("\n\n") if f.startswith("data: {")]
    content = "".join(c["delta"].get("content") or "" for f in frames for c in f.get("choices", []))
    record = next((f["multiplex"] for f in frames if f.get("multiplex", {}).get("mode")), {})
    return content, record, frames


def drafts(upstream, supported: bool = False) -> None:
    """Every call answers alike; with `supported`, each voice writes what its texts support
    (tests/panel.py), so that each has a section for a closing to draw on."""
    for card in load_roster() if supported else ():
        upstream.script(Reply(text=DRAFTS[card.id]), when_system=card.persona.split(".")[0].strip())
    upstream.default = Reply(text="Each tradition asks care for parents. It asks it in its own words.")


@pytest.mark.parametrize("failure", [Reply(status=502), Reply(hang=True), Reply(status=429, retry_after=1)])
def test_a_failed_closing_leaves_the_sections_whole(serve, upstream, failure) -> None:
    drafts(upstream, supported=True)
    upstream.script(failure, when_system=CLOSING)
    server = serve(model=MODEL, synthesis="sections", planner="off", retries=0, timeout_s=2)
    response = post(server)
    assert response.status_code == 200, response.text
    answer = response.json()["choices"][0]["message"]["content"]
    assert set(NAMES) <= named(answer) and "Common ground" not in answer
    synthesis = response.json()["multiplex"]["synthesis"]
    assert synthesis["closing"] is False and "the closing failed" in synthesis["note"]
    closing_calls = [c for c in response.json()["multiplex"]["calls"] if c["role"] == "synthesizer"]
    assert closing_calls[0]["failure"] in ("upstream_error", "timeout", "rate_limited")

    content, record, frames = stream(server)
    assert set(NAMES) <= named(content) and "error" not in frames[-1]
    assert record["synthesis"]["closing"] is False and "the closing failed" in record["synthesis"]["note"]


@pytest.mark.parametrize("failure", [Reply(status=502), Reply(hang=True), Reply(status=429, retry_after=1)])
def test_a_failed_llm_synthesizer_falls_back_to_the_sections_of_its_drafts(serve, upstream, failure) -> None:
    drafts(upstream, supported=True)
    upstream.script(failure, when_system=SYNTHESIZER)
    server = serve(model=MODEL, synthesis="llm", planner="off", retries=0, timeout_s=2)
    response = post(server)
    assert response.status_code == 200, response.text
    answer = response.json()["choices"][0]["message"]["content"]
    assert set(NAMES) <= named(answer)
    synthesis = response.json()["multiplex"]["synthesis"]
    assert synthesis["strategy"] == "llm" and synthesis["replaced"] is True
    assert "the synthesizer failed" in synthesis["note"] and synthesis["model"] is None
    # no second call to the model that just failed: seven drafts and the one synthesizer call
    assert len([c for c in upstream.calls if SYNTHESIZER in c.system]) == 1

    content, record, frames = stream(server)
    assert set(NAMES) <= named(content) and "error" not in frames[-1]
    assert record["synthesis"]["replaced"] is True


@pytest.mark.parametrize("empty", ["", "   \n  "])
def test_an_empty_answer_is_a_failed_call_never_an_empty_200(serve, upstream, empty) -> None:
    upstream.default = Reply(text=empty)
    server = serve(model=MODEL, retries=0)
    response = post(server, "multiplex-baseline")
    assert response.status_code == 502 and response.json()["error"]["code"] == "upstream_empty_answer"
    _, _, frames = stream(server, "multiplex-baseline")
    assert frames[-1]["error"]["code"] == "upstream_empty_answer"


def test_an_empty_draft_is_a_failed_record(serve, upstream) -> None:
    drafts(upstream)
    upstream.script(Reply(text="  "), when_system="voice of the Islamic tradition")
    server = serve(model=MODEL, retries=0, planner="off")
    record = post(server).json()["multiplex"]
    islamic = next(p for p in record["perspectives"] if p["id"] == "islamic")
    assert islamic["status"] == "failed" and islamic["failure"] == "empty" and islamic["content"] == ""
    assert record["degraded"] is True and record["missing"] == ["islamic"]


def test_an_empty_answer_is_retried_like_any_retryable_failure(serve, upstream) -> None:
    upstream.script(Reply(text=""), times=1)
    upstream.default = Reply(text="The second answer.")
    server = serve(model=MODEL, retries=1)
    response = post(server, "multiplex-baseline")
    assert response.status_code == 200 and response.json()["choices"][0]["message"]["content"] == "The second answer."
    assert len(upstream.calls) == 2
