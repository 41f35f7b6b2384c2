"""Server-sent events of one run: the engine's events as chat completion chunks, keep-alive pings
while the agents think, an error frame if the run fails, and always `data: [DONE]`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

from multiplex.api.errors import sse_error_frame
from multiplex.api.frames import Frames
from multiplex.api.server import Drain
from multiplex.errors import MultiplexError
from multiplex.graph import (
    AnalysisDone,
    AnswerDelta,
    Engine,
    PerspectiveDelta,
    PerspectiveDone,
    PerspectiveStarted,
    PreparedRun,
    RunDone,
    RunResult,
)

log = logging.getLogger("multiplex.api")
_END = object()


async def events(
    engine: Engine,
    run: PreparedRun,
    chunks: Frames,
    *,
    events: bool,
    include_usage: bool,
    ping_interval_s: float,
    on_result: Callable[[RunResult], None],
    stack: AsyncExitStack,
    drain: Drain | None = None,
) -> AsyncIterator[str]:
    """The frames of one streamed run. `stack` holds the run's slot; it is released when the
    stream ends, however it ends. When the server's `drain` runs out, the stream ends with an error
    frame and `[DONE]`, as any failed run's does."""
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def pump() -> None:
        try:
            async for event in engine.stream(run):
                await queue.put(event)
        except Exception as exc:  # delivered to the stream as an error frame
            await queue.put(exc)
        await queue.put(_END)

    task: asyncio.Task[None] | None = None
    getter: asyncio.Future[Any] | None = None
    expiry = asyncio.ensure_future(drain.expired.wait() if drain is not None else asyncio.Event().wait())
    try:
        if role := chunks.role():
            yield role
        task = asyncio.create_task(pump())
        last_sent = time.monotonic()
        while True:
            # One pending get() survives timeouts, so no event can be lost between a ping and the next wait.
            getter = getter or asyncio.ensure_future(queue.get())
            wait = max(0.0, last_sent + ping_interval_s - time.monotonic())
            done, _ = await asyncio.wait({getter, expiry}, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            if expiry in done and drain is not None:
                raise drain.error()
            event, getter = (getter.result(), None) if getter in done else (None, getter)
            if time.monotonic() - last_sent >= ping_interval_s:  # nothing sent for a while: keep proxies patient
                yield ": ping\n\n"
                last_sent = time.monotonic()
            if event is None:
                continue
            if event is _END:
                break
            if isinstance(event, BaseException):
                raise event
            frames = _frames(event, chunks, events, include_usage, on_result)
            if frames:
                last_sent = time.monotonic()
            for frame in frames:
                yield frame
    except Exception as exc:
        if isinstance(exc, MultiplexError):
            log.warning("stream of %s ended with an error: %s", chunks.model, exc.message)
        else:
            log.exception("stream of %s failed", chunks.model, exc_info=exc)
        yield sse_error_frame(exc)
    finally:
        for pending in (task, getter, expiry):
            if pending is not None and not pending.done():
                pending.cancel()
        await stack.aclose()
    yield "data: [DONE]\n\n"


def _frames(
    event: Any, chunks: Frames, events: bool, include_usage: bool, on_result: Callable[[RunResult], None]
) -> list[str]:
    """A run event as frames; with `events` off, the perspectives' progress is not sent (their
    finished drafts still go where the drafts go)."""
    if isinstance(event, AnswerDelta):
        return [chunks.content(event.text)]
    if isinstance(event, RunDone):
        on_result(event.result)
        return chunks.finish(event.result, include_usage)
    frame = ""
    if isinstance(event, AnalysisDone):
        frame = chunks.analysis(event.analysis)
    elif isinstance(event, PerspectiveDone):
        frame = chunks.done(event.record, events)
    elif isinstance(event, PerspectiveStarted) and events:
        frame = chunks.started(event.id, event.name)
    elif isinstance(event, PerspectiveDelta) and events:
        frame = chunks.delta(event.id, event.text)
    return [frame] if frame else []
