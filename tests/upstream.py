"""A loopback OpenAI-compatible upstream: real HTTP that multiplex reaches through litellm's
`openai/` provider, scripted per test.

    upstream.script(Reply(status=429, retry_after=2), times=1)        # the next call only
    upstream.script(Reply(text="Ubuntu..."), when_system="African")   # calls naming a perspective
    upstream.calls                                                    # what reached it

Rules are tried in order; the first that matches (and has uses left) answers, else `default`.
A reply can be an HTTP status (with Retry-After), latency before the first byte, a streamed token
rate, malformed JSON, a stream cut, failing or holding a chunk that is not JSON after N chunks, a
hang, or `finish_reason: length`.

`python -m tests.upstream --port 9100 --server-errors 0.05 --rate-limited 0.02 --latency-ms 50
--jitter-ms 20` serves it alone (for load scripts): 5% 5xx, 2% 429 and latency jitter.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

Text = str | Callable[[dict[str, Any]], str]


@dataclass
class Reply:
    text: Text = "An answer from the loopback upstream."
    status: int = 200
    retry_after: float | None = None
    latency_s: float = 0.0  # before the first byte
    tokens_per_s: float | None = None  # streamed pace; None = as fast as possible
    malformed: bool = False  # a 200 whose body is not JSON
    cut_after: int | None = None  # streaming: drop the connection after this many chunks
    error_after: int | None = None  # streaming: an `error` object in the stream after this many chunks
    bad_chunk_after: int | None = None  # streaming: a chunk that is not JSON after this many chunks
    hang: bool = False  # never answer (until the client gives up)
    finish_reason: str = "stop"
    jitter_s: float = 0.0  # extra latency, uniform in [0, jitter_s]
    draw_latency_s: Callable[[], float] | None = None  # extra latency drawn per call (a heavy tail)


@dataclass
class Rule:
    reply: Reply
    when_system: str | None = None  # the system prompt contains this text
    when_model: str | None = None
    when_user: str | None = None  # the last user message contains this text
    times: int | None = None  # uses left; None = forever

    def matches(self, body: dict[str, Any]) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.when_model is not None and body.get("model") != self.when_model:
            return False
        if self.when_user is not None:
            users = [m for m in body.get("messages", []) if m.get("role") == "user"]
            if not users or self.when_user not in _text(users[-1].get("content")):
                return False
        if self.when_system is not None:
            system = " ".join(_text(m.get("content")) for m in body.get("messages", []) if m.get("role") == "system")
            if self.when_system not in system:
                return False
        return True


@dataclass
class Call:
    body: dict[str, Any]
    headers: dict[str, str]
    at: float
    status: int = 0

    @property
    def system(self) -> str:
        return " ".join(_text(m.get("content")) for m in self.body.get("messages", []) if m.get("role") == "system")

    @property
    def last_user(self) -> str:
        users = [m for m in self.body.get("messages", []) if m.get("role") == "user"]
        return _text(users[-1].get("content")) if users else ""


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content or "")


def echo(body: dict[str, Any]) -> str:
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    return f"Upstream answer to: {_text(users[-1].get('content')) if users else ''}"


@dataclass
class Faults:
    """Random failures for load runs: shares of 5xx and 429, and latency jitter."""

    server_error: float = 0.0
    rate_limited: float = 0.0
    latency_s: float = 0.0
    jitter_s: float = 0.0
    seed: int = 1
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def pick(self, text: Text) -> Reply:
        roll = self.rng.random()
        base = Reply(text=text, latency_s=self.latency_s, jitter_s=self.jitter_s)
        if roll < self.server_error:
            return Reply(status=self.rng.choice([500, 502, 503]), latency_s=self.latency_s, jitter_s=self.jitter_s)
        if roll < self.server_error + self.rate_limited:
            return Reply(status=429, retry_after=0.2, latency_s=self.latency_s)
        return base


class Upstream:
    def __init__(self) -> None:
        self.rules: list[Rule] = []
        self.default = Reply(text=echo)
        self.faults: Faults | None = None
        self.calls: list[Call] = []
        self.record = True  # keep every call's body (tests); a load run only counts them
        self.served = 0
        self.open_streams = 0
        self._lock = threading.Lock()
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
                Route("/health", self._health, methods=["GET"]),
            ]
        )
        self.base_url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def api(self) -> str:
        return f"{self.base_url}/v1"

    # scripting ---------------------------------------------------------------------------------
    def script(
        self,
        reply: Reply,
        *,
        when_system: str | None = None,
        when_model: str | None = None,
        when_user: str | None = None,
        times: int | None = None,
    ) -> None:
        with self._lock:
            self.rules.append(Rule(reply, when_system, when_model, when_user, times))

    def reset(self) -> None:
        with self._lock:
            self.rules.clear()
            self.calls.clear()
            self.served = 0
            self.default = Reply(text=echo)
            self.faults = None

    def _pick(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            for rule in self.rules:
                if rule.matches(body):
                    if rule.times is not None:
                        rule.times -= 1
                    return rule.reply
            if self.faults is not None:
                return self.faults.pick(self.default.text)
            return self.default

    # HTTP --------------------------------------------------------------------------------------
    async def _health(self, _request: Request) -> Response:
        return JSONResponse({"status": "ok", "calls": self.served, "open_streams": self.open_streams})

    async def _models(self, _request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": "loopback", "object": "model", "owned_by": "tests"}]})

    async def _chat(self, request: Request) -> Response:
        body = await request.json()
        call = Call(body, dict(request.headers), time.monotonic())
        with self._lock:
            self.served += 1
            if self.record:
                self.calls.append(call)
        reply = self._pick(body)
        call.status = reply.status
        delay = reply.latency_s + (random.uniform(0, reply.jitter_s) if reply.jitter_s else 0.0)
        delay += reply.draw_latency_s() if reply.draw_latency_s else 0.0
        if reply.hang:
            await _wait_for_disconnect(request, 60.0)
            return Response(status_code=504)
        if delay:
            await asyncio.sleep(delay)
        if reply.status != 200:
            headers = {"retry-after": f"{reply.retry_after:g}"} if reply.retry_after is not None else {}
            error = {"message": f"loopback upstream says {reply.status}", "type": "upstream_test", "code": None}
            return JSONResponse({"error": error}, status_code=reply.status, headers=headers)
        if reply.malformed:
            return Response("{this is not json", media_type="application/json")
        text = reply.text(body) if callable(reply.text) else reply.text
        words = _words(text)
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        finish = reply.finish_reason
        if max_tokens is not None and len(words) > int(max_tokens):
            words, finish = words[: int(max_tokens)], "length"
        prompt_tokens = sum(len(_text(m.get("content")).split()) for m in body.get("messages", []))
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(words),
            "total_tokens": prompt_tokens + len(words),
        }
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return StreamingResponse(
                self._stream(body, words, finish, usage if include_usage else None, reply),
                media_type="text/event-stream",
            )
        return JSONResponse(
            {
                "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "loopback"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "".join(words)},
                        "finish_reason": finish,
                    }
                ],
                "usage": usage,
            }
        )

    async def _stream(
        self, body: dict[str, Any], words: list[str], finish: str, usage: dict[str, int] | None, reply: Reply
    ) -> AsyncIterator[bytes]:
        cid, created, model = f"chatcmpl-{uuid.uuid4().hex[:12]}", int(time.time()), body.get("model", "loopback")

        def frame(delta: dict[str, Any], finish_reason: str | None = None, **extra: Any) -> bytes:
            payload = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model}
            payload["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish_reason}] if delta else []
            payload.update(extra)
            return f"data: {json.dumps(payload)}\n\n".encode()

        self.open_streams += 1
        try:
            yield frame({"role": "assistant", "content": ""})
            pause = 1.0 / reply.tokens_per_s if reply.tokens_per_s else 0.0
            for i, word in enumerate(words):
                if reply.cut_after is not None and i >= reply.cut_after:
                    raise ConnectionAbortedError("cut mid-stream on purpose")
                if reply.error_after is not None and i >= reply.error_after:
                    error = {"message": "loopback upstream failed mid-stream", "type": "upstream_test"}
                    yield f"data: {json.dumps({'error': error})}\n\n".encode()
                    return
                if reply.bad_chunk_after is not None and i == reply.bad_chunk_after:
                    yield b"data: {this is not json\n\n"
                if pause:
                    await asyncio.sleep(pause)
                yield frame({"content": word})
            yield frame({"content": ""}, finish)
            if usage is not None:
                yield frame({}, usage=usage)
            yield b"data: [DONE]\n\n"
        finally:
            self.open_streams -= 1

    # lifecycle ---------------------------------------------------------------------------------
    def start(self, port: int = 0, host: str = "127.0.0.1") -> Upstream:
        config = uvicorn.Config(
            self.app, host=host, port=port, log_level="critical", lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._server.started and self._server.servers:
                sock = self._server.servers[0].sockets[0]
                self.base_url = f"http://{host}:{sock.getsockname()[1]}"
                return self
            time.sleep(0.01)
        raise RuntimeError("the loopback upstream did not start")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)


def _words(text: str) -> list[str]:
    parts = text.split(" ")
    return [p + " " for p in parts[:-1]] + [parts[-1]] if text else []


async def _wait_for_disconnect(request: Request, limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if await request.is_disconnected():
            return
        await asyncio.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description="a loopback OpenAI-compatible upstream")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    parser.add_argument("--server-errors", type=float, default=0.0, help="share of calls answered 500/502/503")
    parser.add_argument("--rate-limited", type=float, default=0.0, help="share of calls answered 429")
    parser.add_argument("--text-words", type=int, default=40, help="words in each answer")
    parser.add_argument("--sentence-words", type=int, default=0, help="end a sentence every N words (0: never)")
    args = parser.parse_args()
    upstream = Upstream()
    upstream.record = False
    every = args.sentence_words
    words = " ".join(f"word{i}" + ("." if every and (i + 1) % every == 0 else "") for i in range(args.text_words))
    upstream.default = Reply(text=words, latency_s=args.latency_ms / 1000, jitter_s=args.jitter_ms / 1000)
    if args.server_errors or args.rate_limited or args.jitter_ms:
        upstream.faults = Faults(
            server_error=args.server_errors,
            rate_limited=args.rate_limited,
            latency_s=args.latency_ms / 1000,
            jitter_s=args.jitter_ms / 1000,
        )
        upstream.default = Reply(text=words)
    uvicorn.run(upstream.app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
