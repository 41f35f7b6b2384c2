"""What a real provider does over HTTP, through litellm's `openai/` provider, against the loopback
upstream: every failure it can answer reaches the client as the OpenAI envelope (never a 500),
in mas a failing agent is a `failed` record against the quorum, retries are bounded and spaced,
and finish_reason is the provider's."""

from __future__ import annotations

import json
import time

import httpx
import openai
import pytest

from tests.conftest import NAMES, named
from tests.upstream import Reply

MODEL = "openai/loopback-model"
Q = [{"role": "user", "content": "What do we owe our parents?"}]


def post(server, model: str = "multiplex-baseline", **extra) -> httpx.Response:
    return httpx.post(f"{server.api}/chat/completions", json={"model": model, "messages": Q, **extra}, timeout=30)


def frames(server, model: str = "multiplex-baseline", **extra) -> list[dict | str]:
    body = {"model": model, "messages": Q, "stream": True, **extra}
    with httpx.stream("POST", f"{server.api}/chat/completions", json=body, timeout=30) as response:
        assert response.status_code == 200
        text = "".join(response.iter_text())
    data = [f.removeprefix("data: ") for f in text.split("\n\n") if f.startswith("data: ")]
    return [d if d == "[DONE]" else json.loads(d) for d in data]


@pytest.mark.parametrize(
    ("reply", "status", "code"),
    [
        (Reply(status=400), 502, "upstream_error"),
        (Reply(status=401), 502, "upstream_error"),
        (Reply(status=403), 502, "upstream_error"),
        (Reply(status=404), 502, "upstream_error"),
        (Reply(status=408), 504, "upstream_timeout"),
        (Reply(status=429, retry_after=7), 429, "upstream_rate_limited"),
        (Reply(status=500), 502, "upstream_error"),
        (Reply(status=502), 502, "upstream_error"),
        (Reply(status=503), 502, "upstream_error"),
        (Reply(malformed=True), 502, "upstream_error"),
        (Reply(hang=True), 504, "upstream_timeout"),
    ],
)
def test_every_provider_failure_is_an_envelope_never_a_500(serve, upstream, reply, status, code) -> None:
    upstream.script(reply)
    server = serve(model=MODEL, retries=0, timeout_s=1.5)
    response = post(server)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert "sk-test-loopback-key" not in response.text and "Traceback" not in response.text
    if reply.status not in (200, 408):
        assert f"HTTP {reply.status}" in error["message"]  # the provider's own status, named
    if status == 429:
        assert response.headers["retry-after"] == "7"  # the provider's Retry-After, passed on
    refused = reply.status in (400, 401, 403, 404)  # the same call would be refused again
    assert response.headers["x-should-retry"] == ("false" if refused else "true")


@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=401),
        Reply(status=503),
        Reply(malformed=True),
        Reply(text="a b c d e f g", cut_after=2),
        Reply(text="a b c d e f g", error_after=2),
        Reply(text="a b c d e f g", bad_chunk_after=2),
    ],
)
def test_a_failure_while_streaming_is_an_error_frame_then_done(serve, upstream, reply) -> None:
    upstream.script(reply)
    server = serve(model=MODEL, retries=0)
    data = frames(server)
    assert data[-1] == "[DONE]"
    assert data[-2]["error"]["type"] == "upstream_error"
    assert data[0]["choices"][0]["delta"]["role"] == "assistant"


def test_the_openai_sdk_sees_each_class(serve, upstream) -> None:
    server = serve(model=MODEL, retries=0, timeout_s=1.5)
    client = openai.OpenAI(base_url=server.api, api_key="x", max_retries=0)
    for reply, error in (
        (Reply(status=429, retry_after=1), openai.RateLimitError),
        (Reply(hang=True), openai.APIStatusError),
    ):
        upstream.reset()
        upstream.script(reply)
        with pytest.raises(error):
            client.chat.completions.create(model="multiplex-baseline", messages=Q)


def test_a_failing_perspective_is_a_failed_record_against_the_quorum(serve, upstream) -> None:
    upstream.script(Reply(status=401), when_system="voice of the Islamic tradition")
    upstream.script(Reply(status=500), when_system="voice of the Hindu tradition")
    server = serve(model=MODEL, retries=0, planner="off")
    response = post(server, "multiplex-mas")
    assert response.status_code == 200, response.text
    records = {p["id"]: p for p in response.json()["multiplex"]["perspectives"]}
    assert records["islamic"]["status"] == "failed" and "HTTP 401" in records["islamic"]["error"]
    assert records["hindu"]["status"] == "failed" and "HTTP 500" in records["hindu"]["error"]
    assert sum(p["status"] == "ok" for p in records.values()) == 5
    upstream.reset()
    upstream.script(Reply(status=403), when_system="voice of the Islamic")
    upstream.script(Reply(status=500), when_system="voice of the")
    response = post(server, "multiplex-mas")
    assert response.status_code == 503 and response.json()["error"]["code"] == "quorum_not_met"
    assert response.headers["x-should-retry"] == "true"


@pytest.mark.parametrize(
    ("reply", "status", "retry"),
    [
        (Reply(status=429, retry_after=10), 429, "true"),
        (Reply(status=401), 502, "false"),
        (Reply(status=400), 502, "false"),
    ],
)
def test_agents_all_failing_alike_give_the_client_that_reason(serve, upstream, reply, status, retry) -> None:
    """An upstream 429 on every agent is the client's 429 with the provider's Retry-After; a refused
    key or request is a 502 that names it and says not to retry (a 503 would invite retries)."""
    upstream.script(reply, when_system="voice of the")
    server = serve(model=MODEL, retries=0, planner="off")
    response = post(server, "multiplex-mas")
    assert response.status_code == status, response.text
    assert f"HTTP {reply.status}" in response.json()["error"]["message"]
    assert response.headers["x-should-retry"] == retry
    if status == 429:
        assert response.headers["retry-after"] == "10"
    data = frames(server, "multiplex-mas")  # streamed: the same reason, in the error frame
    assert f"HTTP {reply.status}" in data[-2]["error"]["message"]


def test_a_failing_planner_is_logged_and_the_run_goes_on(serve, upstream, logs) -> None:
    upstream.script(Reply(status=500), when_system="coordinate a panel")
    server = serve(model=MODEL, retries=0, planner="on")
    response = post(server, "multiplex-mas")
    assert response.status_code == 200
    assert all(p["status"] == "ok" for p in response.json()["multiplex"]["perspectives"])
    assert "the planner failed" in logs.text and "HTTP 500" in logs.text


def test_retries_only_retryable_failures_with_backoff_and_retry_after(serve, upstream) -> None:
    upstream.script(Reply(status=503), times=2)
    server = serve(model=MODEL, retries=2, timeout_s=20)
    assert post(server).status_code == 200
    arrivals = [c.at for c in upstream.calls]
    assert len(arrivals) == 3  # two failures, then the answer
    first, second = arrivals[1] - arrivals[0], arrivals[2] - arrivals[1]
    assert first >= 0.125 and second >= 0.25  # waited at least half of each base (0.25 s, 0.5 s); see test_backoff

    upstream.reset()
    upstream.script(Reply(status=429, retry_after=1.5), times=1)
    assert post(server).status_code == 200
    assert upstream.calls[1].at - upstream.calls[0].at >= 1.45  # the provider's Retry-After is honoured

    upstream.reset()
    upstream.script(Reply(status=401))
    assert post(server).status_code == 502
    assert len(upstream.calls) == 1  # a refusal is not retried

    upstream.reset()
    upstream.script(Reply(status=429, retry_after=30))
    response = post(server)
    assert response.status_code == 429 and response.headers["retry-after"] == "30"
    assert len(upstream.calls) == 1  # a Retry-After beyond the deadline is not waited for


def test_retries_stay_within_the_deadline(serve, upstream) -> None:
    upstream.script(Reply(status=503, latency_s=0.4))
    server = serve(model=MODEL, retries=5, timeout_s=1.0)
    response = post(server)
    assert response.status_code in (502, 504)  # the last failure, or the deadline itself
    assert 1 <= len(upstream.calls) <= 3  # each attempt takes 0.4 s: no fourth fits in 1 s
    assert upstream.calls[-1].at - upstream.calls[0].at < 1.0  # no attempt starts after the deadline


def test_finish_reason_is_the_providers(serve, upstream) -> None:
    upstream.default = Reply(text="one two three four five six seven eight nine ten")
    server = serve(model=MODEL, retries=0)
    assert post(server, max_tokens=3).json()["choices"][0]["finish_reason"] == "length"
    assert post(server).json()["choices"][0]["finish_reason"] == "stop"
    finish = [f["choices"][0]["finish_reason"] for f in frames(server, max_tokens=3)[:-1] if f["choices"]]
    assert finish[-1] == "length"


def test_streaming_through_a_real_provider(serve, upstream) -> None:
    upstream.default = Reply(text="Kindness and duty meet in every tradition.", tokens_per_s=200)
    server = serve(model=MODEL, retries=0, planner="off")
    data = frames(server, "multiplex-mas", stream_options={"include_usage": True})
    assert data[-1] == "[DONE]"
    events = [f.get("multiplex", {}).get("event") for f in data[:-1]]
    assert events.count("perspective_done") == 7 and events.count("perspective_delta") >= 7  # whole sentences
    content = "".join((f["choices"] or [{}])[0].get("delta", {}).get("content") or "" for f in data[:-1])
    # the synthesis named no tradition: every voice is restored from its draft, after what it wrote
    opening = "**Main considerations.** Kindness and duty meet in every tradition."
    assert content.startswith(f"{opening}\n\nKindness and duty meet") and set(NAMES) <= named(content)
    assert data[-2]["usage"]["completion_tokens"] > 0


def test_a_slow_first_byte_is_waited_for_within_the_deadline(serve, upstream) -> None:
    upstream.script(Reply(text="late but whole", latency_s=0.8))
    server = serve(model=MODEL, retries=0, timeout_s=5)
    response = post(server)
    assert response.status_code == 200 and response.json()["choices"][0]["message"]["content"] == "late but whole"


def test_every_upstream_call_carries_the_loop_header_and_a_multiplex_refuses_it(serve, upstream) -> None:
    server = serve(model=MODEL, planner="off")
    assert post(server, "multiplex-mas").status_code == 200
    assert upstream.calls and all(call.headers.get("x-multiplex-loop") == "1" for call in upstream.calls)
    looped = httpx.post(
        f"{server.api}/chat/completions",
        json={"model": "multiplex-baseline", "messages": Q},
        headers={"x-multiplex-loop": "1"},
    )
    assert looped.status_code == 400 and looped.json()["error"]["code"] == "loop_detected"


def test_a_deployment_pointed_at_itself_fails_fast(serve, monkeypatch) -> None:
    """Its agents' calls come back to it with the loop header: refused at once, a 502 not to retry."""
    from tests.conftest import free_port

    port = free_port()
    monkeypatch.setenv("OPENAI_API_BASE", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "none")
    server = serve(model="openai/multiplex-baseline", port=port, retries=0, planner="off")
    assert server.api == f"http://127.0.0.1:{port}/v1"
    started = time.monotonic()
    response = post(server, "multiplex-mas")
    assert response.status_code == 502 and response.headers["x-should-retry"] == "false", response.text
    assert "HTTP 400" in response.json()["error"]["message"] and time.monotonic() - started < 10
