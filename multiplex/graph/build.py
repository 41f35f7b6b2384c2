"""The LangGraph graphs, one per mode.

    baseline / contextual / perspective:  START -> answer -> END
    mas:  START -> [plan] -> Send(perspective) x N (in parallel) -> synthesize -> END

Nodes report progress through LangGraph's custom stream (`get_stream_writer`), which the engine
turns into `Event`s. A perspective node never raises for a provider failure: it records it, and
the synthesizer decides, against the quorum, whether an honest synthesis is still possible.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.types import Send

from multiplex.errors import MultiplexError, QuorumNotMet
from multiplex.graph import messages as build_messages
from multiplex.graph.state import (
    AnswerDelta,
    GraphState,
    PerspectiveDelta,
    PerspectiveDone,
    PerspectiveInput,
    PerspectiveRecord,
    PerspectiveStarted,
)
from multiplex.llm import CallTag, Completion, GenerationParams, Usage, generate
from multiplex.prompts import Prompts
from multiplex.settings import Settings


@dataclass(frozen=True)
class GraphContext:
    settings: Settings
    prompts: Prompts


def _sink(emit: Callable[[Any], None], make: Callable[[str], Any]) -> Callable[[str], Awaitable[None]]:
    async def on_token(token: str) -> None:
        emit(make(token))

    return on_token


def _agent_params(params: GenerationParams) -> GenerationParams:
    """Perspective agents and the planner write prose whatever format the client wants back."""
    return replace(params, response_format=None)


def build_single(ctx: GraphContext, mode: str) -> Any:
    async def answer(state: GraphState) -> dict[str, Any]:
        request = state["request"]
        emit = get_stream_writer()
        on_token = _sink(emit, AnswerDelta) if request.stream else None
        if mode == "perspective":
            card = state["roster"][0]
            chat = build_messages.perspective(ctx.prompts, card, request.messages, None)
            tag = CallTag("perspective", card.id, (card.id,))
        elif mode == "contextual":
            chat = build_messages.contextual(ctx.prompts, request.messages)
            tag = CallTag("contextual", None, tuple(state["roster"].ids))
        else:
            chat, tag = request.messages, CallTag("baseline")
        completion = await generate(ctx.settings.model, chat, request.params, tag, on_token)
        return {"answer": completion.text, "usage": {"model": completion.usage}}

    graph = StateGraph(GraphState)
    graph.add_node("answer", answer)
    graph.add_edge(START, "answer")
    graph.add_edge("answer", END)
    return graph.compile()


def build_mas(ctx: GraphContext) -> Any:
    settings, prompts = ctx.settings, ctx.prompts

    async def plan(state: GraphState) -> dict[str, Any]:
        request, roster = state["request"], state["roster"]
        chat = build_messages.planner(prompts, roster, request.messages)
        try:
            completion = await generate(
                settings.model, chat, _agent_params(request.params), CallTag("planner", None, tuple(roster.ids))
            )
        except MultiplexError:
            return {"tasks": {}}  # without a plan every agent answers the question as asked
        return {"tasks": build_messages.parse_plan(completion.text, roster), "usage": {"planner": completion.usage}}

    def fan_out(state: GraphState) -> list[Send]:
        tasks = state.get("tasks") or {}
        return [
            Send("perspective", PerspectiveInput(request=state["request"], perspective=p, task=tasks.get(p.id)))
            for p in state["roster"]
        ]

    async def perspective(payload: PerspectiveInput) -> dict[str, Any]:
        request, card = payload["request"], payload["perspective"]
        emit = get_stream_writer()
        emit(PerspectiveStarted(card.id, card.name))
        on_token = _sink(emit, lambda t: PerspectiveDelta(card.id, t)) if request.stream else None
        chat = build_messages.perspective(prompts, card, request.messages, payload["task"])
        started = time.perf_counter()
        try:
            completion: Completion = await generate(
                settings.model, chat, _agent_params(request.params), CallTag("perspective", card.id), on_token
            )
            record = PerspectiveRecord(
                card.id, card.name, "ok", completion.text, 0.0, completion.usage, task=payload["task"]
            )
        except MultiplexError as exc:
            record = PerspectiveRecord(
                card.id, card.name, "failed", "", 0.0, Usage(), error=exc.message, task=payload["task"]
            )
        record.latency_ms = (time.perf_counter() - started) * 1000
        emit(PerspectiveDone(record))
        return {"records": [record], "usage": {card.id: record.usage}}

    async def synthesize(state: GraphState) -> dict[str, Any]:
        request, roster = state["request"], state["roster"]
        by_id = {r.id: r for r in state.get("records", [])}
        ok = [(card, by_id[card.id].content) for card in roster if by_id[card.id].status == "ok"]
        needed = max(1, math.ceil(settings.quorum * len(roster)))
        if len(ok) < needed:
            failures = "; ".join(f"{r.id}: {r.error}" for r in by_id.values() if r.status == "failed")
            raise QuorumNotMet(
                f"only {len(ok)} of {len(roster)} perspective agents answered ({needed} needed): {failures}"
            )
        emit = get_stream_writer()
        on_token = _sink(emit, AnswerDelta) if request.stream else None
        chat = build_messages.synthesizer(prompts, ok, request.messages)
        tag = CallTag("synthesizer", None, tuple(card.id for card, _ in ok))
        completion = await generate(settings.synthesizer, chat, request.params, tag, on_token)
        return {"answer": completion.text, "usage": {"synthesizer": completion.usage}}

    graph = StateGraph(GraphState)
    graph.add_node("perspective", perspective)  # type: ignore[type-var,arg-type]
    graph.add_node("synthesize", synthesize)
    if settings.planner_enabled():
        graph.add_node("plan", plan)
        graph.add_edge(START, "plan")
        graph.add_conditional_edges("plan", fan_out, ["perspective"])
    else:
        graph.add_conditional_edges(START, fan_out, ["perspective"])
    graph.add_edge("perspective", "synthesize")
    graph.add_edge("synthesize", END)
    return graph.compile()
