"""Reading a model's streamed answer, whatever the provider: its text piece by piece, then why it
stopped and what it used.

litellm rebuilds every chunk of a stream as a response object of its own and keeps it for its
logging: on an OpenAI-compatible server about 0.37 ms of CPU per chunk, four times what the openai
SDK's own parse costs and twenty times reading the SSE line. A mas answer streams some 3,000
chunks, so that bookkeeping was most of what a streamed run cost the server
(tests/benchmarks/streaming_cost.py). When no litellm callback is configured nobody reads it: an
OpenAI-compatible stream (the openai SDK stream litellm opened, its request made by litellm) is
then read here, from its HTTP response, line by line. Any other stream (local/, fake/, the
providers litellm translates) and every stream while callbacks are configured goes through
litellm's wrapper.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import openai

from multiplex.llm.inprocess import callbacks_configured
from multiplex.llm.types import Usage

__all__ = ["Piece", "pieces"]


@dataclass(frozen=True)
class Piece:
    """What one chunk of a stream says: text, a finish reason, the usage (each when it says it)."""

    text: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None


async def pieces(stream: Any) -> AsyncIterator[Piece]:
    """The pieces of a stream litellm returned (`acompletion(..., stream=True)`)."""
    raw = getattr(stream, "completion_stream", None)
    if isinstance(raw, openai.AsyncStream) and not callbacks_configured():
        async for piece in _server_sent(raw.response):
            yield piece
        return
    async for chunk in stream:
        yield _of_chunk(chunk)


def usage_of(raw: Any) -> Usage:
    """A provider's usage (an object or, read from the wire, a mapping) as ours."""
    if not raw:
        return Usage()
    get = raw.get if isinstance(raw, dict) else lambda name: getattr(raw, name, 0)
    return Usage(prompt_tokens=int(get("prompt_tokens") or 0), completion_tokens=int(get("completion_tokens") or 0))


def _of_chunk(chunk: Any) -> Piece:
    usage = getattr(chunk, "usage", None)
    choices = chunk.choices
    if not choices:
        return Piece(usage=usage_of(usage) if usage else None)
    choice = choices[0]
    return Piece(choice.delta.content or "", choice.finish_reason, usage_of(usage) if usage else None)


async def _server_sent(response: Any) -> AsyncIterator[Piece]:
    """The chunks of an OpenAI-compatible SSE body, until `[DONE]` or its end; an `error` object
    in the stream is raised as the openai SDK raises it. The response (the SDK's httpx response) is
    closed however it ends."""
    data: list[str] = []
    try:
        async for line in _lines(response):
            if line.startswith("data:"):
                data.append(line[6:] if line.startswith("data: ") else line[5:])
            elif not line and data:  # a blank line ends an event
                event, data = "\n".join(data), []
                if event.startswith("[DONE]"):
                    return
                yield _of_event(event, response)
        if data and not data[0].startswith("[DONE]"):
            yield _of_event("\n".join(data), response)
    finally:
        await response.aclose()


async def _lines(response: Any) -> AsyncIterator[str]:
    """The body's lines; a connection that breaks is the provider's failure, as the openai SDK says it."""
    try:
        async for line in response.aiter_lines():
            yield line
    except httpx.TransportError as exc:
        broke = f"the stream broke off mid-way ({exc})"
        raise openai.APIConnectionError(message=broke, request=response.request) from exc


def _of_event(event: str, response: Any) -> Piece:
    try:
        chunk = json.loads(event)
    except ValueError:
        chunk = None
    if not isinstance(chunk, dict):
        raise openai.APIError("a chunk of the stream is not a JSON object", response.request, body=None)
    if chunk.get("error"):
        error = chunk["error"]
        message = error.get("message") if isinstance(error, dict) else None
        raise openai.APIError(message or "the provider reported an error in its stream", response.request, body=error)
    usage = chunk.get("usage")
    choices = chunk.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        return Piece(usage=usage_of(usage) if usage else None)
    choice = choices[0]
    delta = choice.get("delta") or {}
    text = delta.get("content") if isinstance(delta, dict) else None
    return Piece(text if isinstance(text, str) else "", choice.get("finish_reason"), usage_of(usage) if usage else None)
