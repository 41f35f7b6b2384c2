"""From the OpenAI protocol to a run: what a chat completion request asks the engine for."""

from __future__ import annotations

from dataclasses import replace

from multiplex.api.chat.protocol import ChatCompletionRequest
from multiplex.api.client_tasks import ClientTasks, wants_json
from multiplex.api.models.catalog import resolve
from multiplex.graph import Engine, PreparedRun, RunRequest
from multiplex.graph.state import Mode
from multiplex.llm import GenerationParams


def to_run(
    body: ChatCompletionRequest, engine: Engine, client_tasks: ClientTasks, *, no_cache: bool = False
) -> PreparedRun:
    """The run a request asks for, checked once by the engine before any response starts."""
    served = resolve(body.model, engine)
    messages = [m.model_dump(exclude_none=True) for m in body.messages]
    mode: Mode = served.mode
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
    if mode != "baseline" and client_tasks.matches(messages):
        # A chat client's housekeeping (a title, tags, follow-ups): one plain call, the reply it asked for.
        mode, perspectives = "task", None
        if params.response_format is None and wants_json(messages):
            params = replace(params, response_format={"type": "json_object"})
    run_request = RunRequest(
        messages=messages,
        mode=mode,
        params=params,
        perspectives=perspectives,
        stream=body.stream,
        score=body.multiplex.score and mode != "task",
        models=dict(body.multiplex.models or {}),
        synthesizer_model=body.multiplex.synthesizer_model,
        cache=body.multiplex.cache is not False and not no_cache,
    )
    return engine.prepare(run_request)
