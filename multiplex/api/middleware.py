"""Pure ASGI middleware (no BaseHTTPMiddleware, so streaming and disconnects pass through):
request ids, the body's size and time limits, access logs, request metrics, and the 500 of an
unexpected error (with its request id, in the header and the log line)."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from multiplex.api.errors import envelope
from multiplex.api.metrics import Metrics
from multiplex.llm import LOOP_HEADER

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
log = logging.getLogger("multiplex.access")
_ID_OK = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def _route_label(path: str) -> str:
    if path.startswith("/v1/models/"):
        return "/v1/models/{id}"
    if path.startswith("/playground"):
        return "/playground"
    return path if path.startswith(("/v1/", "/health", "/metrics")) or path == "/" else "other"


async def _send_json(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"x-should-retry", b"false"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None once it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)  # the client left; the app will see the disconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the body read already, then the client's later messages."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, max_body_bytes: int, body_timeout_s: float = 30.0) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _ID_OK.match(given) else f"req_{uuid.uuid4().hex}"
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        id_header = (b"x-request-id", request_id.encode())
        started = time.perf_counter()
        status = 500
        route = _route_label(scope["path"])

        too_large = envelope(
            f"request body exceeds {self.max_body_bytes} bytes", "invalid_request_error", None, "request_too_large"
        )
        length = headers.get(b"content-length")
        try:
            if LOOP_HEADER.encode() in headers:
                status = 400
                loop = envelope(
                    f"this request came from a multiplex deployment (it carries {LOOP_HEADER}): a model of "
                    "multiplex pointed at multiplex would fan out without end",
                    "invalid_request_error",
                    None,
                    "loop_detected",
                )
                await _send_json(send, 400, loop, [id_header])
                return
            if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
                status = 413
                await _send_json(send, 413, too_large, [id_header])
                return
            if scope["method"] in ("POST", "PUT", "PATCH"):
                # The body is read here, up to its size limit and within its time, before the app
                # parses any of it: the app's own parser would turn an overrun into a 400, and a
                # client that trickles its body would hold a worker as long as it liked.
                try:
                    body = await asyncio.wait_for(_read_body(receive, self.max_body_bytes), self.body_timeout_s)
                except TimeoutError:
                    status = 408
                    late = envelope(
                        f"the request body did not arrive within {self.body_timeout_s:g} s (MULTIPLEX_BODY_TIMEOUT_S)",
                        "invalid_request_error",
                        None,
                        "request_timeout",
                    )
                    await _send_json(send, 408, late, [id_header, (b"connection", b"close")])
                    return
                if body is None:
                    status = 413
                    await _send_json(send, 413, too_large, [id_header])
                    return
                receive = _replay(body, receive)

            started_response = False

            async def send_with_id(message: Message) -> None:
                nonlocal status, started_response
                if message["type"] == "http.response.start":
                    status = message["status"]
                    started_response = True
                    message["headers"] = [*message.get("headers", []), id_header]
                await send(message)

            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                log.exception("unexpected error in %s %s", scope["method"], scope["path"])
                if started_response:
                    raise  # the answer was under way: the connection closes, the log says why
                status = 500
                error = envelope(f"internal error (request {request_id})", "server_error", None, "internal_error")
                await _send_json(send, 500, error, [id_header])
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.requests.labels(route, str(status)).inc()
            self.metrics.latency.labels(route).observe(elapsed)
            log.info("%s %s -> %d in %.0f ms", scope["method"], scope["path"], status, elapsed * 1000)
            request_id_var.reset(token)
