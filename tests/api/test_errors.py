"""Every error status, from routes and middleware alike, is the OpenAI envelope."""

from __future__ import annotations

import json
import re
import threading

import httpx
import pytest

from multiplex.llm import fake
from tests.conftest import wait_until
from tests.panel import hindu_breaks

Q = [{"role": "user", "content": "Q?"}]


def assert_envelope(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    assert "Traceback" not in response.text and not re.search(r"0x[0-9a-f]{6,}", response.text)
    assert response.headers["x-request-id"]
    return body["error"]


def post(server, body: dict | str, **kwargs) -> httpx.Response:
    if isinstance(body, str):
        return httpx.post(
            f"{server.api}/chat/completions",
            content=body,
            timeout=10,
            headers={"content-type": "application/json", **kwargs.pop("headers", {})},
            **kwargs,
        )
    return httpx.post(f"{server.api}/chat/completions", json=body, timeout=10, **kwargs)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ("{not json", None),
        ({"model": "multiplex-mas"}, "messages"),
        ({"model": "multiplex-mas", "messages": []}, "messages"),
        ({"model": "multiplex-mas", "messages": [{"role": "tool", "content": "x"}]}, "messages[0].role"),
        ({"model": "multiplex-mas", "messages": Q, "temperature": 5}, "temperature"),
        ({"model": "multiplex-mas", "messages": Q, "n": 3}, "n"),
        ({"model": "multiplex-mas", "messages": Q, "tools": [], "tool_choice": "required"}, "tool_choice"),
        ({"model": "multiplex-mas", "messages": Q, "logprobs": True}, "logprobs"),
        ({"model": "multiplex-mas", "messages": Q, "multiplex": {"perspectives": ["martian"]}}, "perspectives"),
        ({"model": "multiplex-mas", "messages": [{"role": "assistant", "content": "hi"}]}, "messages"),
        ({"model": "multiplex-mas", "messages": [{"role": "user", "content": "  \n "}]}, "messages"),
        ({"model": "multiplex-baseline", "messages": [{"role": "user", "content": ""}]}, "messages"),
        ({"model": "multiplex-mas", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]}, None),
        ({"model": "multiplex-mas", "messages": Q, "max_tokens": True}, "max_tokens"),
        ({"model": "multiplex-mas", "messages": Q, "max_tokens": 2**63}, "max_tokens"),
        ({"model": "multiplex-mas", "messages": Q, "max_completion_tokens": "12"}, "max_completion_tokens"),
        ({"model": "multiplex-mas", "messages": Q, "stream": "yes"}, "stream"),
        ({"model": "multiplex-mas", "messages": Q, "stream": 1}, "stream"),
        ({"model": "multiplex-mas", "messages": Q, "user": "u" * 300}, "user"),
        ({"model": "multiplex-mas", "messages": Q, "metadata": {"k": "v" * 600}}, "metadata.k"),
        ({"model": "multiplex-mas", "messages": Q, "metadata": {f"k{i}": "v" for i in range(17)}}, "metadata"),
    ],
)
def test_400_names_the_param(server, body, param) -> None:
    error = assert_envelope(post(server, body), 400)
    assert error["type"] == "invalid_request_error"
    if param:
        assert error["param"] == param


def test_401_404_413(serve) -> None:
    server = serve(api_keys="secret", max_body_bytes=2048)
    assert_envelope(post(server, {"model": "multiplex-mas", "messages": Q}), 401, "invalid_api_key")
    auth = {"authorization": "Bearer secret"}
    assert_envelope(post(server, {"model": "gpt-5", "messages": Q}, headers=auth), 404, "model_not_found")
    assert_envelope(httpx.get(f"{server.api}/nowhere", headers=auth), 404)
    big = {"model": "multiplex-mas", "messages": [{"role": "user", "content": "x" * 5000}]}
    assert_envelope(post(server, big, headers=auth), 413, "request_too_large")


def test_a_chunked_body_over_the_limit_is_a_413_envelope(serve) -> None:
    server = serve(max_body_bytes=2048)
    body = json.dumps({"model": "multiplex-baseline", "messages": [{"role": "user", "content": "x" * 5000}]})

    def chunks(text: str):  # no content-length: the body is sent chunked
        for i in range(0, len(text), 512):
            yield text[i : i + 512].encode()

    response = httpx.post(
        f"{server.api}/chat/completions", content=chunks(body), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_envelope(response, 413, "request_too_large")
    small = json.dumps({"model": "multiplex-baseline", "messages": Q})
    response = httpx.post(
        f"{server.api}/chat/completions", content=chunks(small), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text  # a chunked body within the limit is read whole


def test_429_with_retry_after(serve) -> None:
    server = serve(rate_limit_rpm=1)
    assert httpx.get(f"{server.api}/models").status_code == 200
    response = httpx.get(f"{server.api}/models")
    assert_envelope(response, 429, "rate_limit_exceeded")
    assert int(response.headers["retry-after"]) >= 1


def test_503_overloaded_with_retry_after(serve) -> None:
    server = serve(max_concurrent_runs=1, max_queued_runs=0, fake_latency_ms=500)
    slow = threading.Thread(target=post, args=(server, {"model": "multiplex-baseline", "messages": Q}))
    slow.start()
    wait_until(lambda: fake.STATS.started > 0)
    response = post(server, {"model": "multiplex-baseline", "messages": Q})
    slow.join()
    assert_envelope(response, 503, "overloaded")
    assert response.headers["retry-after"] == "1"


def test_503_below_quorum(serve, scripted) -> None:
    server = serve(model=scripted("mixed", hindu_breaks), fake_fail="islamic", quorum=1, retries=0)
    response = post(server, {"model": "multiplex-mas", "messages": Q})
    assert_envelope(response, 503, "quorum_not_met")
    assert "retry-after" in response.headers


def test_502_upstream_failure_and_504_timeout(serve) -> None:
    server = serve(fake_fail="islamic", retries=0)
    response = post(server, {"model": "perspective-islamic", "messages": Q})
    assert_envelope(response, 502, "upstream_error")
    server = serve(fake_latency_ms=2000, timeout_s=0.2, retries=0)
    response = post(server, {"model": "multiplex-baseline", "messages": Q})
    assert_envelope(response, 504, "upstream_timeout")


@pytest.mark.parametrize(
    ("part", "says"),
    [
        ({"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}, "is an image"),
        ({"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}, "is audio"),
        ({"type": "file", "file": {"file_id": "f"}}, "is a file"),
    ],
)
def test_an_image_or_audio_part_is_named_in_its_400(server, part, says) -> None:
    body = {"model": "multiplex-mas", "messages": [{"role": "user", "content": [{"type": "text", "text": "Q?"}, part]}]}
    error = assert_envelope(post(server, body), 400, "unsupported_content")
    assert error["param"] == "messages[0].content[1]" and says in error["message"]


def test_client_errors_say_do_not_retry(server) -> None:
    response = post(server, {"model": "multiplex-mas", "messages": Q, "n": 2})
    assert response.headers["x-should-retry"] == "false"


def test_request_id_is_echoed_or_made(server) -> None:
    given = httpx.get(f"{server.base_url}/health/live", headers={"x-request-id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = httpx.get(f"{server.base_url}/health/live")
    assert made.headers["x-request-id"].startswith("req_")


def test_score_endpoint_errors(server) -> None:
    r = httpx.post(f"{server.api}/score", json={})
    assert_envelope(r, 400)
    r = httpx.post(f"{server.api}/score", json={"text": "Ubuntu.", "judge": "nonsense"})
    assert_envelope(r, 400)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ('{"model": "multiplex-mas", "messages": [{"role": "user", "content": "\\ud800"}]}', "messages[0].content"),
        ('{"model": "multiplex-mas", "messages": [{"role": "user", "content": "ok"}], "user": "\\udfff"}', "user"),
    ],
)
def test_a_lone_surrogate_is_a_400_not_a_500(server, body, param) -> None:
    error = assert_envelope(post(server, body), 400)
    assert error["param"] == param and "invalid Unicode" in error["message"]
    r = httpx.post(f"{server.api}/score", content='{"text": "\\ud83d"}', headers={"content-type": "application/json"})
    assert_envelope(r, 400)


def test_user_and_metadata_are_logged_with_the_run(server, logs) -> None:
    body = {"model": "multiplex-baseline", "messages": Q, "user": "student-7", "metadata": {"lesson": "ethics-3"}}
    assert post(server, body).status_code == 200
    assert "user 'student-7'" in logs.text and "ethics-3" in logs.text
