"""The graph's nodes but the synthesis: importable functions of (state, runtime), the runtime
carrying the run's `GraphContext`, as in LangGraph's own examples.

A node reports progress through the runtime's stream writer, which the engine turns into
`Event`s, and fills its own part of the run record: its calls, and its perspective records. A
perspective node never raises for a provider failure: it records it, and the synthesis decides,
against the quorum, whether an honest answer is still possible.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import Send

from multiplex.errors import EmptyAnswer
from multiplex.graph import messages as build_messages
from multiplex.graph.context import Called, GraphContext, TokenSink, wants_format
from multiplex.graph.guards import Guard, References
from multiplex.graph.record import Citation, ConsiderationsRecord, PerspectiveRecord, Role
from multiplex.graph.sections import SECTION_DRAFT_TOKENS
from multiplex.graph.state import (
    AnswerDelta,
    ConsiderationsInput,
    GraphState,
    PerspectiveDelta,
    PerspectiveDone,
    PerspectiveInput,
    PerspectiveStarted,
    RunRequest,
)
from multiplex.llm import GenerationParams, capabilities
from multiplex.roster import Perspective

log = logging.getLogger("multiplex.graph")
# With `sections` (the small model's path) an agent is given its best passage only, cut to its
# opening words: its section quotes that passage whole anyway, and every word of prompt that the
# embedded model cannot take from its cache costs answer time (about 400 tokens a second across
# seven agents here; python tests/benchmarks/grounding_cost.py).
PROMPT_PASSAGE_WORDS = 20
FORMAT_DRAFT_TOKENS = 160  # drafts behind an answer in the client's JSON format
SINGLE_CALL_ROLES: dict[str, Role] = {"baseline": "baseline", "contextual": "contextual", "task": "task"}


def sink(emit: Callable[[Any], None], make: Callable[[str], Any]) -> TokenSink:
    async def on_token(token: str) -> None:
        emit(make(token))

    return on_token


def prose(params: GenerationParams) -> GenerationParams:
    """Perspective agents, the planner and the closing write prose whatever format the client wants,
    and to the end: the client's stop sequences apply to the answer it reads, not to them."""
    return replace(params, response_format=None, stop=None)


def left_out(guard: Guard) -> str:
    """Why the guard kept nothing of a reply: what it left out, by reason."""
    counts = {
        "quoted words that no source holds": guard.grounding.removed,
        "spoke of the process": guard.removed,
        "repeated our instructions": guard.grounding.echoed,
    }
    said = [f"{n} sentence{'' if n == 1 else 's'} that {why}" for why, n in counts.items() if n]
    return f"left out: {'; '.join(said)}" if said else "it said nothing"


def opening_of(model: str, card: Perspective) -> str:
    """The words a card's reply opens with, for models that continue them."""
    return card.opening if card.opening and capabilities(model).continues_openings else ""


async def answer(state: GraphState, *, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    """baseline, contextual, task and perspective: one call. A perspective's answer passes the
    quotation guard and carries its references, as in mas."""
    ctx, request, emit = runtime.context, state["request"], runtime.stream_writer
    card = state["roster"][0] if request.mode == "perspective" else None
    model = ctx.model_of(card, request)
    if card is None:  # the client's own messages (baseline, a task) or ours (contextual), unguarded
        chat = (
            build_messages.contextual(ctx.prompts, request.messages)
            if request.mode == "contextual"
            else request.messages
        )
        on_token = sink(emit, AnswerDelta) if request.stream else None
        called = await ctx.call(
            SINGLE_CALL_ROLES[request.mode],
            model,
            chat,
            request.params,
            perspectives=tuple(state["roster"].ids) if request.mode == "contextual" else (),
            on_token=on_token,
        )
        completion = called.result()
        return {"answer": completion.text, "calls": [called.call], "finish_reason": called.call.finish_reason}
    references = References()
    draft = await _voice(ctx, request, card, None, emit, references)
    if draft.called.error is not None:
        raise draft.called.error
    if draft.record.status == "failed":
        raise EmptyAnswer(draft.record.error or "no answer", retryable=False)
    sources = references.block()
    if sources and request.stream:
        emit(AnswerDelta(sources))
    return {
        "answer": draft.record.content + sources,
        "records": [draft.record],
        "calls": [draft.called.call],
        "grounding": [draft.guard.grounding],
        "finish_reason": draft.called.call.finish_reason,
    }


async def plan(state: GraphState, *, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    """mas, with a planner: a focused task per perspective (none, if the planner fails)."""
    ctx, request, roster = runtime.context, state["request"], state["roster"]
    chat = build_messages.planner(ctx.prompts, roster, request.messages)
    called = await ctx.call("planner", ctx.settings.model, chat, prose(request.params), perspectives=tuple(roster.ids))
    if called.error is not None:
        log.warning("the planner failed (%s); every agent answers the question as asked", called.error.message)
        return {"tasks": {}, "calls": [called.call]}
    assert called.completion is not None
    return {"tasks": build_messages.parse_plan(called.completion.text, roster), "calls": [called.call]}


def fan_out(state: GraphState) -> list[Send]:
    """Every perspective agent, and beside them the call that sets out the main considerations."""
    tasks = state.get("tasks") or {}
    voices = [
        Send(
            "perspective",
            PerspectiveInput(
                request=state["request"], perspective=p, task=tasks.get(p.id), panel_size=len(state["roster"])
            ),
        )
        for p in state["roster"]
    ]
    return [*voices, Send("considerations", ConsiderationsInput(request=state["request"]))]


async def considerations(payload: ConsiderationsInput, *, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    """mas: the question's main considerations on each side, so that the answer never knows less
    than a plain one. Its own budget, like a draft's; it is shown only inside the answer, whose
    guards it passes there, so here it is checked as a draft is (quotations, our instructions)."""
    ctx, request = runtime.context, payload["request"]
    model = ctx.synthesizer(request)
    chat = build_messages.considerations(ctx.prompts, request.messages)
    params = replace(prose(request.params), max_tokens=ctx.settings.max_tokens)
    called = await ctx.call("considerations", model, chat, params, perspectives=())
    guard = Guard(
        sources=ctx.sources,
        asked=build_messages.user_words(request.messages),
        echo=ctx.instructions,
        process_talk=True,
    )
    if called.error is not None:
        log.warning("the considerations call (%s) failed: %s", model, called.error.message)
        record = ConsiderationsRecord(
            status="failed",
            model=model,
            latency_ms=called.call.latency_ms,
            failure=called.error.failure,
            error=called.error.message,
        )
        return {"considerations": record, "calls": [called.call]}
    assert called.completion is not None
    await guard.feed(called.completion.text)
    content = await guard.close(drop_unfinished=called.completion.finish_reason == "length")
    record = ConsiderationsRecord(
        status="ok",
        content=content,
        model=model,
        latency_ms=called.call.latency_ms,
        usage=called.completion.usage,
        finish_reason=called.call.finish_reason,
    )
    return {"considerations": record, "calls": [called.call], "grounding": [guard.grounding]}


async def perspective(payload: PerspectiveInput, *, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    """mas: one perspective agent's draft, or the record of its failure."""
    ctx, request, card = runtime.context, payload["request"], payload["perspective"]
    emit = runtime.stream_writer
    emit(PerspectiveStarted(card.id, card.name))
    draft = await _voice(ctx, request, card, payload, emit, None)
    emit(PerspectiveDone(draft.record))
    return {"records": [draft.record], "calls": [draft.called.call], "grounding": [draft.guard.grounding]}


@dataclass(frozen=True)
class Voice:
    record: PerspectiveRecord
    called: Called
    guard: Guard


async def _voice(
    ctx: GraphContext,
    request: RunRequest,
    card: Perspective,
    payload: PerspectiveInput | None,
    emit: Callable[[Any], None],
    references: References | None,
) -> Voice:
    """One perspective agent: its passages, its call, its words through the quotation guard.
    In mas (`payload`) its draft streams as perspective deltas; alone, as the answer."""
    model = ctx.model_of(card, request)
    opening = opening_of(model, card)
    task = payload["task"] if payload else None
    passages = ctx.sources.for_question(card, task or build_messages.last_user_text(request.messages))
    small = payload is not None and ctx.strategy(request) == "sections"
    chat = build_messages.perspective(
        ctx.prompts,
        card,
        request.messages,
        task,
        opening=bool(opening),
        passages=passages[:1] if small else passages,
        passage_words=PROMPT_PASSAGE_WORDS if small else None,
    )
    params = request.params
    if payload is not None:
        params = replace(prose(params), max_tokens=draft_tokens(ctx, request, payload["panel_size"]))
    out = None
    if request.stream:
        out = sink(emit, lambda t: PerspectiveDelta(card.id, t)) if payload else sink(emit, AnswerDelta)
    guard = Guard(
        out,
        sources=ctx.sources,
        references=references,
        asked=build_messages.user_words(request.messages),
        echo=ctx.instructions,
        process_talk=True,
    )
    await guard.feed(opening)
    called = await ctx.call(
        "perspective", model, chat, params, perspective=card.id, on_token=guard.feed if request.stream else None
    )
    citations = [Citation.of(p) for p in passages]
    if called.error is not None:
        log.warning("the %s agent (%s) did not answer: %s", card.id, model, called.error.message)
        record = PerspectiveRecord.failed(
            card.id, card.name, model, called.error, latency_ms=called.call.latency_ms, task=task, citations=citations
        )
        return Voice(record, called, guard)
    assert called.completion is not None
    if not request.stream:
        await guard.feed(called.completion.text)
    cut = called.completion.finish_reason == "length"
    content = await guard.close(drop_unfinished=cut, keep_lone=True)  # no half sentence after a whole one
    given = {p.id for p in passages}
    citations += [Citation.of(p) for pid, p in guard.cited.items() if pid not in given]
    if not content:
        shown = f"{model}: nothing of the {card.name} answer could be shown ({left_out(guard)})"
        withheld = EmptyAnswer(shown, retryable=False)
        record = PerspectiveRecord.failed(
            card.id, card.name, model, withheld, latency_ms=called.call.latency_ms, task=task, citations=citations
        )
        return Voice(record, called, guard)
    if ctx.panel is not None and payload is not None:
        ctx.panel.answered_one()
    record = PerspectiveRecord(
        id=card.id,
        name=card.name,
        status="ok",
        content=content,
        model=model,
        latency_ms=called.call.latency_ms,
        usage=called.completion.usage,
        finish_reason=called.call.finish_reason,
        task=task,
        citations=citations,
    )
    return Voice(record, called, guard)


def draft_tokens(ctx: GraphContext, request: RunRequest, perspectives: int) -> int:
    """Max tokens of one draft: a budget of its own (MULTIPLEX_MAX_TOKENS), not the client's, which
    caps the answer it reads; within what the synthesis can use.

    A section keeps about SECTION_WORDS of its draft, so with `sections` a longer draft buys
    nothing but time. With `llm` every draft lands in one synthesizer prompt, so N drafts, the
    synthesizer's own instructions and the answer it writes must fit its context window; and when
    the synthesizer must write the client's JSON, drafts stay short, so that it writes in time."""
    own = ctx.settings.max_tokens
    if ctx.strategy(request) == "sections":
        return min(own, SECTION_DRAFT_TOKENS)
    if wants_format(request.params):
        own = min(own, FORMAT_DRAFT_TOKENS)
    window = ctx.llm.context_window(ctx.synthesizer(request))
    if window is None:
        return own
    answer = request.params.max_tokens or ctx.settings.max_tokens
    overhead = sum(len(str(m.get("content") or "")) for m in request.messages) // 3 + 400 + 40 * perspectives
    budget = (window - answer - overhead) // max(1, perspectives)
    return max(32, min(own, budget))
