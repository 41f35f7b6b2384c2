"""POST /v1/chat/completions over every mode, plain or streamed (SSE)."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from multiplex.api import render, sse
from multiplex.api.deps import Caller, ServicesDep
from multiplex.api.disconnect import ClientGone, until_disconnect
from multiplex.api.protocol import ERROR_RESPONSES, ChatCompletion, ChatCompletionChunk, ChatCompletionRequest
from multiplex.api.translate import to_run_request

log = logging.getLogger("multiplex.api")
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
) -> Any:
    run_request = to_run_request(body, services.engine, services.client_tasks)
    log.info(
        "chat %s: mode %s%s%s",
        body.model,
        run_request.mode,
        f", user {body.user!r}" if body.user else "",
        f", metadata {body.metadata}" if body.metadata else "",  # bounded: 16 pairs of 64 + 512 characters
    )
    stack = AsyncExitStack()
    await stack.enter_async_context(services.runs.slot())  # 503 here, before any response starts
    services.metrics.runs_in_flight.inc()
    stack.callback(services.metrics.runs_in_flight.dec)
    drafts = body.multiplex.expose_drafts or (
        services.settings.expose_drafts if body.multiplex.stream_perspectives else "none"
    )
    if body.stream:
        frames = sse.events(
            services.engine,
            run_request,
            render.Chunks(body.model, drafts),
            events=body.multiplex.stream_perspectives,
            include_usage=bool(body.stream_options and body.stream_options.include_usage),
            ping_interval_s=services.settings.ping_interval_s,
            on_result=services.metrics.record_run,
            stack=stack,
        )
        return StreamingResponse(
            frames, media_type="text/event-stream", headers={"cache-control": "no-cache", "x-accel-buffering": "no"}
        )
    async with stack:
        try:
            result = await until_disconnect(request, services.engine.run(run_request))
        except ClientGone:
            return Response(status_code=499)  # nobody is listening; the status is for the logs
    services.metrics.record_run(result)
    answer = render.completion(body.model, result, drafts)
    return JSONResponse(answer.model_dump(mode="json"), headers=render.missing_header(result))
