"""The LangGraph graphs, one per mode.

    baseline / contextual / perspective / task:  START -> answer -> END
    mas:  START -> [plan] -> Send(perspective) x N (in parallel) -> synthesize -> END

Nodes report progress through LangGraph's custom stream (`get_stream_writer`), which the engine
turns into `Event`s. A perspective node never raises for a provider failure: it records it, and
the synthesizer decides, against the quorum, whether an honest synthesis is still possible.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.types import Send

from multiplex.errors import ClientError, MultiplexError, QuorumNotMet
from multiplex.graph import messages as build_messages
from multiplex.graph.state import (
    AnswerDelta,
    GraphState,
    PerspectiveDelta,
    PerspectiveDone,
    PerspectiveInput,
    PerspectiveRecord,
    PerspectiveStarted,
    RunRequest,
    Synthesis,
)
from multiplex.graph.synthesis import (
    CLOSING_HEADING,
    CLOSING_OPENING,
    CLOSING_TOKENS,
    SECTION_DRAFT_TOKENS,
    ProcessTalkFilter,
    brief,
    condense,
    section_text,
)
from multiplex.llm import LLM, CallTag, GenerationParams, Usage
from multiplex.prompts import Prompts
from multiplex.roster import Perspective
from multiplex.settings import Settings

log = logging.getLogger("multiplex.graph")
Emit = Callable[[Any], None]


@dataclass(frozen=True)
class GraphContext:
    settings: Settings
    prompts: Prompts
    llm: LLM

    def model_of(self, card: Perspective | None) -> str:
        return (card.model if card is not None else None) or self.settings.model


def _sink(emit: Emit, make: Callable[[str], Any]) -> Callable[[str], Awaitable[None]]:
    async def on_token(token: str) -> None:
        emit(make(token))

    return on_token


def _prose(params: GenerationParams) -> GenerationParams:
    """Perspective agents, the planner and the closing write prose whatever format the client wants."""
    return replace(params, response_format=None)


def continues_openings(model: str) -> bool:
    """The embedded model continues a final assistant message; hosted APIs differ on what they do
    with one (and fake/ answers from its script), so only local/ is sent openings."""
    return model.startswith("local/")


def _opening(model: str, card: Perspective) -> str:
    """The words a card's reply opens with, for models that continue them."""
    return card.opening if card.opening and continues_openings(model) else ""


def build_single(ctx: GraphContext, mode: str) -> Any:
    async def answer(state: GraphState) -> dict[str, Any]:
        request, emit = state["request"], get_stream_writer()
        on_token = _sink(emit, AnswerDelta) if request.stream else None
        card = state["roster"][0] if mode == "perspective" else None
        model = ctx.model_of(card)
        opening = ""
        if card is not None:
            opening = _opening(model, card)
            chat = build_messages.perspective(ctx.prompts, card, request.messages, None, opening=bool(opening))
            tag = CallTag("perspective", card.id, (card.id,))
        elif mode == "contextual":
            chat = build_messages.contextual(ctx.prompts, request.messages)
            tag = CallTag("contextual", None, tuple(state["roster"].ids))
        else:  # baseline, and a chat client's task: the client's own messages, nothing of ours
            chat, tag = request.messages, CallTag(mode)
        if opening and on_token is not None:
            await on_token(opening)
        completion = await ctx.llm.generate(model, chat, request.params, tag, on_token)
        return {
            "answer": opening + completion.text,
            "usage": {"model": completion.usage},
            "finish_reason": completion.finish_reason,
        }

    graph = StateGraph(GraphState)
    graph.add_node("answer", answer)
    graph.add_edge(START, "answer")
    graph.add_edge("answer", END)
    return graph.compile()


def build_mas(ctx: GraphContext) -> Any:
    settings, prompts, llm = ctx.settings, ctx.prompts, ctx.llm

    async def plan(state: GraphState) -> dict[str, Any]:
        request, roster = state["request"], state["roster"]
        chat = build_messages.planner(prompts, roster, request.messages)
        try:
            completion = await llm.generate(
                settings.model, chat, _prose(request.params), CallTag("planner", None, tuple(roster.ids))
            )
        except MultiplexError as exc:
            log.warning("the planner failed (%s); every agent answers the question as asked", exc.message)
            return {"tasks": {}}
        return {"tasks": build_messages.parse_plan(completion.text, roster), "usage": {"planner": completion.usage}}

    def fan_out(state: GraphState) -> list[Send]:
        tasks = state.get("tasks") or {}
        return [
            Send(
                "perspective",
                PerspectiveInput(
                    request=state["request"], perspective=p, task=tasks.get(p.id), panel_size=len(state["roster"])
                ),
            )
            for p in state["roster"]
        ]

    async def perspective(payload: PerspectiveInput) -> dict[str, Any]:
        request, card = payload["request"], payload["perspective"]
        emit = get_stream_writer()
        emit(PerspectiveStarted(card.id, card.name))
        model = ctx.model_of(card)
        opening = _opening(model, card)
        on_token = _sink(emit, lambda t: PerspectiveDelta(card.id, t)) if request.stream else None
        chat = build_messages.perspective(prompts, card, request.messages, payload["task"], opening=bool(opening))
        params = replace(_prose(request.params), max_tokens=draft_tokens(ctx, request, payload["panel_size"]))
        started = time.perf_counter()
        if opening and on_token is not None:
            await on_token(opening)
        try:
            completion = await llm.generate(model, chat, params, CallTag("perspective", card.id), on_token)
            record = PerspectiveRecord(
                card.id,
                card.name,
                "ok",
                opening + completion.text,
                0.0,
                completion.usage,
                model=model,
                task=payload["task"],
                finish_reason=completion.finish_reason,
            )
        except MultiplexError as exc:
            record = PerspectiveRecord(
                card.id, card.name, "failed", "", 0.0, Usage(), model=model, error=exc.message, task=payload["task"]
            )
            record.error_status, record.error_code = exc.status_code, exc.code
        record.latency_ms = (time.perf_counter() - started) * 1000
        emit(PerspectiveDone(record))
        return {"records": [record], "usage": {card.id: record.usage}}

    async def synthesize(state: GraphState) -> dict[str, Any]:
        request, roster = state["request"], state["roster"]
        by_id = {r.id: r for r in state.get("records", [])}
        ok = [(card, by_id[card.id].content) for card in roster if by_id[card.id].status == "ok"]
        needed = max(1, math.ceil(settings.quorum * len(roster)))
        if len(ok) < needed:
            raise _below_quorum(list(by_id.values()), len(ok), len(roster), needed)
        emit = get_stream_writer()
        if strategy_of(ctx, request) == "sections":
            return await _sections(ctx, request, ok, emit, Synthesis("sections"))
        return await _llm_synthesis(ctx, request, ok, emit)

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


def strategy_of(ctx: GraphContext, request: RunRequest) -> str:
    format_ = request.params.response_format
    if format_ and format_.get("type") != "text":
        return "llm"  # a format the client asked for: only the synthesizer can write it
    return ctx.settings.synthesis_strategy()


def draft_tokens(ctx: GraphContext, request: RunRequest, perspectives: int) -> int:
    """Max tokens of one draft: what the request asks, within what the synthesis can use.

    A section keeps about SECTION_WORDS of its draft, so with `sections` a longer draft buys
    nothing but time. With `llm` every draft lands in one synthesizer prompt, so N drafts, the
    synthesizer's own instructions and the answer it writes must fit its context window."""
    wanted = request.params.max_tokens or ctx.settings.max_tokens
    if strategy_of(ctx, request) == "sections":
        return min(wanted, SECTION_DRAFT_TOKENS)
    window = ctx.llm.context_window(ctx.settings.synthesizer)
    if window is None:
        return wanted
    overhead = sum(len(str(m.get("content") or "")) for m in request.messages) // 3 + 400 + 40 * perspectives
    budget = (window - wanted - overhead) // max(1, perspectives)
    return max(32, min(wanted, budget))


def _below_quorum(records: list[PerspectiveRecord], answered: int, total: int, needed: int) -> MultiplexError:
    failed = [r for r in records if r.status == "failed"]
    if failed and all(
        r.error_status is not None and 400 <= r.error_status < 500 and r.error_status != 429 for r in failed
    ):
        # The request itself is at fault (say, a conversation too long for the model): say so, as a 4xx.
        error = ClientError(failed[0].error or "the request was refused", code=failed[0].error_code)
        error.status_code = failed[0].error_status or 400
        return error
    failures = "; ".join(f"{r.id}: {r.error}" for r in failed)
    return QuorumNotMet(f"only {answered} of {total} perspective agents answered ({needed} needed): {failures}")


async def _sections(
    ctx: GraphContext,
    request: RunRequest,
    ok: list[tuple[Perspective, str]],
    emit: Emit,
    synthesis: Synthesis,
) -> dict[str, Any]:
    question = build_messages.last_user_text(request.messages)
    sections = [(card, text) for card, draft in ok if (text := condense(draft, question))]
    body = "".join(section_text(card, text) for card, text in sections)
    if request.stream:
        for card, text in sections:
            emit(AnswerDelta(section_text(card, text)))
    wanted = request.params.max_tokens or ctx.settings.max_tokens
    params = replace(_prose(request.params), max_tokens=min(wanted, CLOSING_TOKENS), stop=("\n\n",))
    model = ctx.settings.synthesizer
    opening = CLOSING_OPENING if continues_openings(model) else ""
    heading_sent = False

    async def closing_sentence(sentence: str) -> None:
        nonlocal heading_sent
        if request.stream:
            emit(AnswerDelta(sentence if heading_sent else CLOSING_HEADING + sentence))
        heading_sent = True

    guard = ProcessTalkFilter(closing_sentence)
    await guard.feed(opening)
    completion = await ctx.llm.generate(
        model,
        build_messages.closing(
            ctx.prompts, [(card, brief(text)) for card, text in sections], request.messages, opening
        ),
        params,
        CallTag("synthesizer", None, tuple(card.id for card, _ in sections)),
        guard.feed if request.stream else None,
    )
    if not request.stream:
        await guard.feed(completion.text)
    closing = await guard.close(drop_unfinished=completion.finish_reason == "length")
    synthesis.removed_sentences += guard.removed
    answer = body + (CLOSING_HEADING + closing if closing else "")
    cut_by_client = completion.finish_reason == "length" and params.max_tokens == wanted
    return {
        "answer": answer.strip(),
        "usage": {"synthesizer": completion.usage},
        "finish_reason": "length" if cut_by_client else "stop",
        "synthesis": synthesis,
    }


async def _llm_synthesis(
    ctx: GraphContext, request: RunRequest, ok: list[tuple[Perspective, str]], emit: Emit
) -> dict[str, Any]:
    wants_format = bool(request.params.response_format and request.params.response_format.get("type") != "text")
    chat = build_messages.synthesizer(ctx.prompts, ok, request.messages)
    tag = CallTag("synthesizer", None, tuple(card.id for card, _ in ok))

    async def sentence_out(sentence: str) -> None:
        emit(AnswerDelta(sentence))

    if wants_format:  # JSON for the client: passed on as it is
        on_token = _sink(emit, AnswerDelta) if request.stream else None
        completion = await ctx.llm.generate(ctx.settings.synthesizer, chat, request.params, tag, on_token)
        return {
            "answer": completion.text,
            "usage": {"synthesizer": completion.usage},
            "finish_reason": completion.finish_reason,
            "synthesis": Synthesis("llm"),
        }
    guard = ProcessTalkFilter(sentence_out if request.stream else None)
    completion = await ctx.llm.generate(
        ctx.settings.synthesizer, chat, request.params, tag, guard.feed if request.stream else None
    )
    if not request.stream:
        await guard.feed(completion.text)
    answer = await guard.close()
    if not answer and guard.removed:  # nothing was left: the sections answer stands in
        replaced = await _sections(ctx, request, ok, emit, Synthesis("llm", guard.removed, replaced=True))
        replaced["usage"] = {"synthesizer": completion.usage + replaced["usage"]["synthesizer"]}
        return replaced
    return {
        "answer": answer,
        "usage": {"synthesizer": completion.usage},
        "finish_reason": completion.finish_reason,
        "synthesis": Synthesis("llm", guard.removed),
    }
