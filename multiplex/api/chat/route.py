"""POST /v1/chat/completions over every mode, plain or streamed (SSE)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from multiplex.api.answer import answer
from multiplex.api.chat import frames
from multiplex.api.chat.protocol import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest
from multiplex.api.deps import Caller, ServicesDep
from multiplex.api.logs import log_request
from multiplex.api.protocol import ERROR_RESPONSES

router = APIRouter(tags=["chat"], responses=ERROR_RESPONSES)
STREAM_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the answer; with `stream`, server-sent events of chat.completion.chunk, then [DONE]",
        "content": {"text/event-stream": {"schema": {"$ref": "#/components/schemas/ChatCompletionChunk"}}},
    }
}
SCHEMAS = (ChatCompletionChunk,)  # documented in /openapi.json though no route returns them as JSON


@router.post("/v1/chat/completions", response_model=ChatCompletion, responses=STREAM_RESPONSE)
async def chat_completions(
    body: ChatCompletionRequest, request: Request, services: ServicesDep, _caller: Caller
) -> Response:
    log_request("chat completion", body, messages=services.settings.log_messages == "on")
    return await answer(body, request, services, frames.completion, frames.Chunks)
