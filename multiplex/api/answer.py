"""One way from a request to an answer, for every protocol that asks multiplex a question (chat
completions, completions, responses): the run request, a run slot, the run plain or streamed,
metrics, and the answer in that protocol's shape."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from multiplex.api import sse
from multiplex.api.chat.protocol import ChatCompletionRequest
from multiplex.api.deps import Services
from multiplex.api.disconnect import ClientGone, until_disconnect
from multiplex.api.frames import Drafts, Frames, missing_header
from multiplex.api.translate import to_run
from multiplex.graph import RunResult

log = logging.getLogger("multiplex.api")
Whole = Callable[[str, RunResult, Drafts], BaseModel]
Stream = Callable[[str, Drafts], Frames]


def streamed(description: str) -> dict[int | str, dict[str, Any]]:
    """A route's 200 in /openapi.json: JSON, or with `stream` the server-sent events `description` names."""
    return {200: {"description": description, "content": {"text/event-stream": {}}}}


async def answer(
    body: ChatCompletionRequest, request: Request, services: Services, whole: Whole, stream: Stream
) -> Response:
    no_cache = "no-cache" in request.headers.get("cache-control", "").lower()
    run = to_run(body, services.engine, services.client_tasks, no_cache=no_cache)
    log.info(
        "%s %s: mode %s%s%s",
        request.url.path,
        body.model,
        run.request.mode,
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
            run,
            stream(body.model, drafts),
            events=body.multiplex.stream_perspectives,
            include_usage=bool(body.stream_options and body.stream_options.include_usage),
            ping_interval_s=services.settings.ping_interval_s,
            on_result=services.metrics.record_run,
            stack=stack,
            drain=services.drain,
        )
        return StreamingResponse(
            frames, media_type="text/event-stream", headers={"cache-control": "no-cache", "x-accel-buffering": "no"}
        )
    async with stack:
        try:
            result = await until_disconnect(request, services.drain.within(services.engine.run(run)))
        except ClientGone:
            return Response(status_code=499)  # nobody is listening; the status is for the logs
    services.metrics.record_run(result)
    shaped = whole(body.model, result, drafts)
    return JSONResponse(shaped.model_dump(mode="json"), headers=missing_header(result))
