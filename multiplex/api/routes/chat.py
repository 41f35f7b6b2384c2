"""POST /v1/chat/completions over every mode, plain or streamed (SSE)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from multiplex.api.client_tasks import wants_json
from multiplex.api.deps import Caller, Services, ServicesDep
from multiplex.api.errors import sse_error_frame
from multiplex.api.models_catalog import resolve
from multiplex.api.protocol import (
    ERROR_RESPONSES,
    ChatCompletion,
    ChatCompletionRequest,
    Choice,
    ChoiceMessage,
    MultiplexExtension,
    UsageInfo,
    completion_id,
)
from multiplex.errors import MultiplexError
from multiplex.graph import (
    AnswerDelta,
    PerspectiveDelta,
    PerspectiveDone,
    PerspectiveStarted,
    RunDone,
    RunRequest,
    RunResult,
)
from multiplex.llm import GenerationParams

log = logging.getLogger("multiplex.api")
router = APIRouter(tags=["chat"], responses=ERROR_RESPONSES)
T = TypeVar("T")


class ClientGone(Exception):
    """The client went away before the answer was ready."""


def to_run_request(body: ChatCompletionRequest, services: Services) -> RunRequest:
    """The run a request asks for, validated by the engine before any response starts."""
    served = resolve(body.model, services.engine)
    messages = [m.model_dump(exclude_none=True) for m in body.messages]
    mode = served.mode
    perspectives: tuple[str, ...] | None = None
    if served.perspective:
        perspectives = (served.perspective,)
    elif body.multiplex.perspectives is not None:
        perspectives = tuple(body.multiplex.perspectives)
    params = GenerationParams(
        temperature=body.temperature,
        top_p=body.top_p,
        max_tokens=body.max_completion_tokens or body.max_tokens,
        stop=tuple(body.stop) if body.stop else None,
        seed=body.seed,
        response_format=body.response_format.model_dump() if body.response_format else None,
        user=body.user,
    )
    if mode != "baseline" and services.client_tasks.matches(messages):
        # A chat client's housekeeping (a title, tags, follow-ups): one plain call, the reply it asked for.
        mode, perspectives = "task", None
        if params.response_format is None and wants_json(messages):
            params = replace(params, response_format={"type": "json_object"})
    run_request = RunRequest(
        messages=messages,
        mode=mode,  # type: ignore[arg-type]
        params=params,
        perspectives=perspectives,
        stream=body.stream,
        score=body.multiplex.score and mode != "task",
    )
    services.engine.check(run_request)
    return run_request


def _usage(u: Any) -> UsageInfo:
    return UsageInfo(**u.to_dict())


def extension(result: RunResult) -> MultiplexExtension:
    return MultiplexExtension(
        mode=result.mode,
        perspectives=[p.to_dict() for p in result.perspectives],  # type: ignore[misc]
        synthesis=result.synthesis.to_dict() if result.synthesis else None,
        scores=result.scores,
        score_error=result.score_error,
        usage_by_agent={k: _usage(v) for k, v in result.usage_by_agent.items()},
    )


def record_metrics(result: RunResult, services: Services) -> None:
    settings = services.settings
    model_of_agent = {p.id: p.model for p in result.perspectives}
    for p in result.perspectives:
        services.metrics.agent_calls.labels(p.id, p.model, p.status).inc()
    for agent, usage in result.usage_by_agent.items():
        model = settings.synthesizer if agent == "synthesizer" else model_of_agent.get(agent, settings.model)
        services.metrics.tokens.labels("prompt", model).inc(usage.prompt_tokens)
        services.metrics.tokens.labels("completion", model).inc(usage.completion_tokens)


async def until_disconnect(request: Request, work: Awaitable[T]) -> T:
    """Await `work`, cancelling it (and every agent call under it) if the client disconnects."""
    task = asyncio.ensure_future(work)

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    watcher = asyncio.ensure_future(watch())
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()
            await asyncio.wait({task})  # let the cancellation run through every agent call
    if task.cancelled():
        raise ClientGone
    return task.result()


@router.post("/v1/chat/completions", response_model=ChatCompletion)
async def chat_completions(
    body: ChatCompletionRequest, request: Request, services: ServicesDep, _caller: Caller
) -> Any:
    run_request = to_run_request(body, services)
    log.info(
        "chat %s: mode %s%s%s",
        body.model,
        run_request.mode,
        f", user {body.user!r}" if body.user else "",
        f", metadata {body.metadata}" if body.metadata else "",
    )
    stack = AsyncExitStack()
    await stack.enter_async_context(services.runs.slot())  # 503 here, before any response starts
    services.metrics.runs_in_flight.inc()
    stack.callback(services.metrics.runs_in_flight.dec)
    if body.stream:
        return StreamingResponse(
            _sse(body, run_request, services, stack),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )
    async with stack:
        try:
            result = await until_disconnect(request, services.engine.run(run_request))
        except ClientGone:
            return Response(status_code=499)  # nobody is listening; the status is for the logs
        record_metrics(result, services)
    reasoning = drafts_text(result) if body.multiplex.stream_perspectives else None
    return ChatCompletion(
        model=body.model,
        choices=[
            Choice(
                message=ChoiceMessage(content=result.text, reasoning_content=reasoning),
                finish_reason=result.finish_reason,  # type: ignore[arg-type]
            )
        ],
        usage=_usage(result.usage),
        multiplex=extension(result),
    )


def draft_block(name: str, status: str, content: str, error: str | None) -> str:
    text = content if status == "ok" else f"(failed: {error})"
    return f"**{name}**\n{text.strip()}\n\n"


def drafts_text(result: RunResult) -> str | None:
    if result.mode != "mas":
        return None
    return "".join(draft_block(p.name, p.status, p.content, p.error) for p in result.perspectives) or None


_END = object()


async def _sse(
    body: ChatCompletionRequest, run_request: RunRequest, services: Services, stack: AsyncExitStack
) -> AsyncIterator[str]:
    cid, created = completion_id(), int(time.time())
    show_drafts = body.multiplex.stream_perspectives
    include_usage = bool(body.stream_options and body.stream_options.include_usage)

    def chunk(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> str:
        payload: dict[str, Any] = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": body.model,
        }
        payload["choices"] = (
            [] if delta is None else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
        )
        payload.update(extra)
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def pump() -> None:
        try:
            async for event in services.engine.stream(run_request):
                await queue.put(event)
        except Exception as exc:  # delivered to the stream as an error frame
            await queue.put(exc)
        await queue.put(_END)

    task: asyncio.Task[None] | None = None
    getter: asyncio.Future[Any] | None = None
    try:
        yield chunk({"role": "assistant", "content": ""})
        task = asyncio.create_task(pump())
        interval = services.settings.ping_interval_s
        last_sent = time.monotonic()
        while True:
            # One pending get() survives timeouts, so no event can be lost between a ping and the next wait.
            getter = getter or asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({getter}, timeout=max(0.0, last_sent + interval - time.monotonic()))
            event, getter = (getter.result(), None) if done else (None, getter)
            if time.monotonic() - last_sent >= interval:  # nothing sent for a while: keep proxies patient
                yield ": ping\n\n"
                last_sent = time.monotonic()
            if event is None:
                continue
            if event is _END:
                break
            if isinstance(event, BaseException):
                raise event
            if show_drafts or not isinstance(event, (PerspectiveStarted, PerspectiveDelta, PerspectiveDone)):
                last_sent = time.monotonic()
            if isinstance(event, AnswerDelta):
                yield chunk({"content": event.text})
            elif isinstance(event, RunDone):
                record_metrics(event.result, services)
                ext = extension(event.result).model_dump()
                yield chunk({}, event.result.finish_reason, **({} if include_usage else {"multiplex": ext}))
                if include_usage:
                    yield chunk(None, usage=_usage(event.result.usage).model_dump(), multiplex=ext)
            elif not show_drafts:
                continue
            elif isinstance(event, PerspectiveStarted):
                yield chunk(
                    {}, multiplex={"event": "perspective_started", "perspective": {"id": event.id, "name": event.name}}
                )
            elif isinstance(event, PerspectiveDelta):
                yield chunk(
                    {}, multiplex={"event": "perspective_delta", "perspective": {"id": event.id}, "text": event.text}
                )
            elif isinstance(event, PerspectiveDone):
                rec = event.record
                yield chunk(
                    {"reasoning_content": draft_block(rec.name, rec.status, rec.content, rec.error)},
                    multiplex={"event": "perspective_done", "perspective": rec.to_dict()},
                )
    except Exception as exc:
        if isinstance(exc, MultiplexError):
            log.warning("stream of %s ended with an error: %s", body.model, exc.message)
        else:
            log.exception("stream of %s failed", body.model, exc_info=exc)
        yield sse_error_frame(exc)
    finally:
        for pending in (task, getter):
            if pending is not None and not pending.done():
                pending.cancel()
        await stack.aclose()
    yield "data: [DONE]\n\n"
