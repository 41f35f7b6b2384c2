"""The council's API: the panel chosen per request within an allow-list, a slow voice not holding
the answer, a degraded answer saying so everywhere, the analysis beside the answer, the drafts
where the client wants them, and the client's limits applied to the answer it reads."""

from __future__ import annotations

import json
import logging
import time

import httpx
import pytest

from multiplex.graph import RunRequest
from multiplex.graph.analysis import analyse
from multiplex.llm import tokens
from tests.conftest import IDS, engine
from tests.panel import BASELINE, CLOSING, DRAFTS, panel
from tests.upstream import Reply

LOOPBACK = "openai/loopback-model"
Q = [{"role": "user", "content": "What do we owe our parents?"}]


def ask(server, model: str = "multiplex-mas", **extra) -> httpx.Response:
    return httpx.post(f"{server.api}/chat/completions", json={"model": model, "messages": Q, **extra}, timeout=60)


def test_each_voice_and_the_synthesizer_on_a_model_of_the_requests_choosing(serve, scripted) -> None:
    other = scripted("other", lambda call: f"The {call.perspective or call.role} seat, from the other model.")
    server = serve(model=scripted("panel", panel), allowed_models=f"{other},fake/panel")
    reply = ask(server, multiplex={"models": {"hindu": other}, "synthesizer_model": other, "perspectives": IDS[:4]})
    assert reply.status_code == 200, reply.text
    run = reply.json()["multiplex"]
    models = {p["id"]: p["model"] for p in run["perspectives"]}
    assert models == {"western": "fake/panel", "islamic": "fake/panel", "confucian": "fake/panel", "hindu": other}
    assert "from the other model" in next(p["content"] for p in run["perspectives"] if p["id"] == "hindu")
    assert run["synthesis"]["model"] == other == run["synthesizer"]["model"]


@pytest.mark.parametrize(
    ("options", "param"),
    [
        ({"models": {"hindu": "openai/gpt-4o"}}, "multiplex.models.hindu"),
        ({"models": {"nobody": "fake/panel"}}, "multiplex.models.nobody"),
        ({"synthesizer_model": "anthropic/claude-3-5-haiku-latest"}, "multiplex.synthesizer_model"),
        ({"perspectives": IDS[:4]}, "perspectives"),
    ],
)
def test_a_model_or_a_panel_the_server_does_not_allow_is_a_400_naming_the_field(serve, scripted, options, param):
    server = serve(model=scripted("panel", panel), max_perspectives=3)
    reply = ask(server, multiplex=options)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["param"] == param


def test_a_slow_voice_is_cancelled_after_the_grace_and_the_answer_says_who_is_missing(serve, upstream) -> None:
    upstream.script(Reply(text="Late words.", latency_s=20), when_system="voice of the Hindu tradition")
    server = serve(model=LOOPBACK, planner="off", synthesis="sections", straggler_grace_s=0.5, retries=0)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("multiplex.graph").addHandler(handler)
    try:
        started = time.monotonic()
        reply = ask(server)
        elapsed = time.monotonic() - started
    finally:
        logging.getLogger("multiplex.graph").removeHandler(handler)
    assert reply.status_code == 200, reply.text
    assert elapsed < 10  # not the 20 s of the slow voice
    run = reply.json()["multiplex"]
    hindu = next(p for p in run["perspectives"] if p["id"] == "hindu")
    assert hindu["status"] == "failed" and hindu["failure"] == "cancelled_late"
    assert run["degraded"] is True and run["missing"] == ["hindu"] and run["analysis"]["missing"] == ["hindu"]
    assert reply.headers["x-multiplex-missing"] == "hindu"
    assert "*Not heard in this answer: Hindu (answered too late).*" in reply.json()["choices"][0]["message"]["content"]
    assert any(r.levelno == logging.WARNING and "hindu" in r.getMessage() for r in records)


def test_the_degraded_note_can_be_turned_off(serve, scripted) -> None:
    server = serve(model=scripted("panel", panel), fake_fail="hindu", degraded_note="off")
    reply = ask(server)
    assert reply.status_code == 200 and reply.headers["x-multiplex-missing"] == "hindu"
    assert "Not heard" not in reply.json()["choices"][0]["message"]["content"]


async def test_the_analysis_names_shared_points_and_what_one_voice_alone_says() -> None:
    drafts = {
        "western": "Children owe their parents care in old age. Kant held that duty binds whatever the outcome.",
        "confucian": "Children owe their parents care in their old age. Rites keep the family in order.",
        "african": "Ubuntu says a person is a person through other persons, and the ancestors watch the living.",
    }
    analysis = analyse(drafts, missing=["hindu"])
    assert any(set(a.voices) == {"western", "confucian"} for a in analysis.agreements)
    assert any(c.voice == "african" and "Ubuntu" in c.point for c in analysis.distinctive)
    assert analysis.missing == ["hindu"]


def test_the_analysis_streams_before_the_end(serve, scripted) -> None:
    server = serve(model=scripted("panel", panel))
    with httpx.stream(
        "POST", f"{server.api}/chat/completions", json={"model": "multiplex-mas", "messages": Q, "stream": True}
    ) as reply:
        frames = [line[6:] for line in reply.iter_lines() if line.startswith("data: ")]
    assert frames[-1] == "[DONE]"
    chunks = [json.loads(f) for f in frames[:-1]]
    events = [c.get("multiplex", {}).get("event") for c in chunks]
    at = events.index("analysis")
    assert at < len(chunks) - 1 and set(chunks[at]["multiplex"]["analysis"]) >= {"agreements", "tensions"}
    assert chunks[-1]["multiplex"]["analysis"] == chunks[at]["multiplex"]["analysis"]


def read(server, **body) -> tuple[str, str, dict]:
    """The answer's text, finish reason and run record, streamed or not."""
    body = {"model": "multiplex-mas", "messages": Q, **body}
    if not body.get("stream"):
        answer = httpx.post(f"{server.api}/chat/completions", json=body, timeout=60).json()
        return answer["choices"][0]["message"]["content"], answer["choices"][0]["finish_reason"], answer["multiplex"]
    with httpx.stream("POST", f"{server.api}/chat/completions", json=body, timeout=60) as reply:
        chunks = [json.loads(line[6:]) for line in reply.iter_lines() if line.startswith("data: {")]
    choices = [c["choices"][0] for c in chunks if c.get("choices")]
    text = "".join(c["delta"].get("content") or "" for c in choices)
    return text, next(c["finish_reason"] for c in choices if c["finish_reason"]), chunks[-1]["multiplex"]


@pytest.mark.parametrize("stream", [False, True])
def test_stop_and_max_tokens_cut_the_answer_the_client_reads_never_the_drafts(serve, scripted, stream) -> None:
    server = serve(model=scripted("panel", panel))
    text, finish, run = read(server, stop=["\n\n"], max_tokens=2000, stream=stream, multiplex={"expose_drafts": "none"})
    assert text == "**Main considerations.** " + BASELINE and "\n\n" not in text  # the answer's first block
    assert finish == "stop"
    assert [p["content"] for p in run["perspectives"]] == [DRAFTS[i] for i in IDS]  # drafts whole
    cut, finish, _ = read(server, max_tokens=12, stream=stream, multiplex={"expose_drafts": "none"})
    assert finish == "length" and tokens.count(cut) == 12
    both, finish, _ = read(server, stop=["\n\n"], max_tokens=12, stream=stream)  # the budget ends it first
    assert both == cut and finish == "length"


@pytest.mark.parametrize("where", ["think", "none", "reasoning_content"])
def test_the_drafts_go_where_the_client_asks(serve, scripted, where) -> None:
    server = serve(model=scripted("panel", panel))
    message = ask(server, multiplex={"expose_drafts": where}).json()["choices"][0]["message"]
    content, reasoning = message["content"], message.get("reasoning_content")
    if where == "think":
        assert content.startswith("<think>\n**Western**") and "</think>\n\n" in content and reasoning is None
        assert CLOSING in content.split("</think>")[1]
    elif where == "none":
        assert "<think>" not in content and reasoning is None and DRAFTS["hindu"] not in content.split("\n\n")[0]
    else:
        assert DRAFTS["hindu"] in reasoning and "<think>" not in content


async def test_drafts_are_capped_when_the_answer_must_be_json(scripted) -> None:
    seen: dict[str, int | None] = {}

    def reply(call):
        if call.role == "perspective":
            seen[call.perspective] = call.max_tokens
            return DRAFTS[call.perspective]
        return json.dumps({"answer": "plural"})

    schema = {"type": "json_schema", "json_schema": {"name": "a", "schema": {"type": "object"}}}
    from multiplex.llm import GenerationParams

    request = RunRequest.ask("Q?", mode="mas", params=GenerationParams(max_tokens=200, response_format=schema))
    result = await engine(model=scripted("json", reply)).run(request)
    assert json.loads(result.text) == {"answer": "plural"}
    assert seen and all(cap is not None and cap <= 160 for cap in seen.values())
