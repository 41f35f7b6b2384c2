"""SSE details the SDKs hide: raw frames, pings, errors mid-stream, disconnects."""

from __future__ import annotations

import json

import httpx

from multiplex.llm import fake
from tests.conftest import wait_until

BODY = {"model": "multiplex-mas", "messages": [{"role": "user", "content": "Q?"}], "stream": True}


def frames(server, body: dict) -> list[str]:
    with httpx.stream("POST", f"{server.api}/chat/completions", json=body, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    return [f for f in text.split("\n\n") if f]


def test_frame_order_and_done(server) -> None:
    raw = frames(server, {**BODY, "stream_options": {"include_usage": True}})
    assert raw[-1] == "data: [DONE]"
    data = [json.loads(f.removeprefix("data: ")) for f in raw[:-1]]
    assert data[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    events = [d.get("multiplex", {}).get("event") for d in data]
    last_done = max(i for i, e in enumerate(events) if e == "perspective_done")
    first_content = next(i for i, d in enumerate(data) if d["choices"] and d["choices"][0]["delta"].get("content"))
    assert events.count("perspective_started") == 7 and events.count("perspective_done") == 7
    assert last_done < first_content
    assert data[-2]["choices"][0]["finish_reason"] == "stop"
    assert data[-1]["choices"] == [] and data[-1]["usage"]["total_tokens"] > 0
    assert len({d["id"] for d in data}) == 1


def test_pings_while_agents_are_slow(serve) -> None:
    server = serve(fake_latency_ms=700, ping_interval_s=0.1)
    raw = frames(server, {**BODY, "multiplex": {"stream_perspectives": False}})
    assert raw.count(": ping") >= 3


def test_error_after_stream_start_is_an_sse_error_frame(serve) -> None:
    server = serve(fake_fail="western,islamic,confucian,hindu,buddhist,african,indigenous")
    raw = frames(server, BODY)
    assert raw[0].startswith("data: ") and '"role": "assistant"' in raw[0]  # the stream had started
    assert raw[-1] == "data: [DONE]"
    error = json.loads(raw[-2].removeprefix("data: "))["error"]
    assert error["code"] == "upstream_error" and "only 0 of 7" in error["message"] and "fake outage" in error["message"]


def gauge(server) -> float:
    metrics = httpx.get(f"{server.base_url}/metrics").text
    line = next(line for line in metrics.splitlines() if line.startswith("multiplex_runs_in_flight"))
    return float(line.split()[-1])


def test_disconnect_after_first_chunk_cancels_pending_agent_calls(serve) -> None:
    server = serve(fake_latency_ms=3000)
    with httpx.stream("POST", f"{server.api}/chat/completions", json=BODY, timeout=30) as response:
        lines = response.iter_lines()  # keep the iterator: dropping it closes the connection
        next(lines)
        wait_until(lambda: fake.STATS.started == 8)
        assert gauge(server) == 1
    wait_until(lambda: fake.STATS.cancelled == 8)
    assert fake.STATS.completed == 0
    wait_until(lambda: gauge(server) == 0)


def test_disconnect_without_streaming_cancels_too_with_a_499_and_no_error(serve, logs) -> None:
    server = serve(fake_latency_ms=3000)
    try:
        httpx.post(f"{server.api}/chat/completions", json={**BODY, "stream": False}, timeout=0.5)
    except httpx.ReadTimeout:
        pass
    wait_until(lambda: fake.STATS.cancelled == 8)
    wait_until(lambda: gauge(server) == 0)
    wait_until(lambda: "POST /v1/chat/completions -> 499" in logs.text)
    assert "-> 500" not in logs.text and "ERROR" not in logs.text and "unexpected error" not in logs.text


def test_openapi_describes_the_stream_chunks_and_the_run_record(server) -> None:
    schema = httpx.get(f"{server.base_url}/openapi.json").json()
    components = schema["components"]["schemas"]
    chunk = components["ChatCompletionChunk"]
    assert {"id", "object", "created", "model", "choices", "usage", "multiplex"} <= set(chunk["properties"])
    assert {"Delta", "ChunkChoice", "PerspectiveEvent"} <= set(components)
    ok = schema["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]
    assert ok["text/event-stream"]["schema"] == {"$ref": "#/components/schemas/ChatCompletionChunk"}
    record = next(v for k, v in components.items() if k.startswith("RunRecord"))
    assert {"perspectives", "calls", "synthesis", "usage", "missing", "degraded"} <= set(record["properties"])
