"""The synthesis node of mas: the answer from the drafts, or an honest failure.

Two strategies (`MULTIPLEX_SYNTHESIS`): `llm`, one synthesizer call writes the answer from all
the drafts; `sections`, one attributed section per answered perspective and a short
model-written closing. Either way the model's text passes the guards of `guards`.

Nothing finished is thrown away: a closing that fails leaves the sections without it, and a
synthesizer that fails leaves the sections of the drafts it had (no second call to a model that
just failed); the record says so. Only a run below the quorum fails, and when every agent failed
for one reason, that reason is the run's.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from langgraph.runtime import Runtime

from multiplex.errors import MultiplexError, QuorumNotMet, RateLimited
from multiplex.graph import messages as build_messages
from multiplex.graph.context import GraphContext, wants_format
from multiplex.graph.guards import ProcessTalkFilter
from multiplex.graph.nodes import continues_openings, prose, sink
from multiplex.graph.record import AgentCall, PerspectiveRecord, SynthesisRecord
from multiplex.graph.sections import (
    CLOSING_HEADING,
    CLOSING_OPENING,
    CLOSING_TOKENS,
    brief,
    condense,
    section_text,
)
from multiplex.graph.state import AnswerDelta, GraphState, RunRequest
from multiplex.roster import Perspective

log = logging.getLogger("multiplex.graph")
Emit = Callable[[Any], None]
Drafts = list[tuple[Perspective, str]]


async def synthesize(state: GraphState, *, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx, request, roster = runtime.context, state["request"], state["roster"]
    by_id = {r.id: r for r in state.get("records", [])}
    ok = [(card, by_id[card.id].content) for card in roster if by_id[card.id].status == "ok"]
    needed = max(1, math.ceil(ctx.settings.quorum * len(roster)))
    if len(ok) < needed:
        raise below_quorum(list(by_id.values()), len(ok), len(roster), needed)
    emit = runtime.stream_writer
    if ctx.strategy(request) == "sections":
        return await sections_answer(ctx, request, ok, emit, SynthesisRecord(strategy="sections"))
    return await llm_answer(ctx, request, ok, emit)


def below_quorum(records: list[PerspectiveRecord], answered: int, total: int, needed: int) -> MultiplexError:
    """The run's error: the agents' one reason when they all failed alike (an upstream 429 stays a
    429 with its Retry-After, a refused key a 502 that says not to retry), else a 503."""
    failed = [r for r in records if r.status == "failed"]
    errors = [r.exception for r in failed]
    summary = f"only {answered} of {total} perspective agents answered ({needed} needed)"
    if errors and all(e is not None for e in errors):
        first = errors[0]
        assert first is not None
        if all(_same_reason(first, e) for e in errors if e is not None):
            error = copy.copy(first)
            error.message = f"{summary}; each failed alike: {first.message}"
            error.args = (error.message,)
            if isinstance(error, RateLimited):
                error.retry_after = max(e.retry_after for e in errors if isinstance(e, RateLimited))
            return error
    failures = "; ".join(f"{r.id}: {r.error}" for r in failed)
    return QuorumNotMet(f"{summary}: {failures}")


def _same_reason(a: MultiplexError, b: MultiplexError) -> bool:
    return (type(a), a.status_code, a.code, getattr(a, "provider_status", None)) == (
        type(b),
        b.status_code,
        b.code,
        getattr(b, "provider_status", None),
    )


def _condensed(ok: Drafts, question: str) -> Drafts:
    return [(card, text) for card, draft in ok if (text := condense(draft, question))]


async def sections_answer(
    ctx: GraphContext,
    request: RunRequest,
    ok: Drafts,
    emit: Emit,
    synthesis: SynthesisRecord,
    closing: bool = True,
) -> dict[str, Any]:
    """A section per draft, then (with `closing`) the model's closing. A closing that fails leaves
    the sections whole, and the record says so."""
    question = build_messages.last_user_text(request.messages)
    sections = await asyncio.to_thread(_condensed, ok, question)  # embeddings: off the event loop
    body = "".join(section_text(card, text) for card, text in sections)
    if request.stream:
        for card, text in sections:
            emit(AnswerDelta(section_text(card, text)))
    if not closing:
        return {"answer": body.strip(), "finish_reason": "stop", "synthesis": synthesis, "calls": []}
    wanted = request.params.max_tokens or ctx.settings.max_tokens
    params = replace(prose(request.params), max_tokens=min(wanted, CLOSING_TOKENS), stop=("\n\n",))
    model = ctx.synthesizer
    opening = CLOSING_OPENING if continues_openings(model) else ""
    heading_sent = False

    async def closing_sentence(sentence: str) -> None:
        nonlocal heading_sent
        if request.stream:
            emit(AnswerDelta(sentence if heading_sent else CLOSING_HEADING + sentence))
        heading_sent = True

    guard = ProcessTalkFilter(closing_sentence)
    await guard.feed(opening)
    called = await ctx.call(
        "synthesizer",
        model,
        build_messages.closing(
            ctx.prompts, [(card, brief(text)) for card, text in sections], request.messages, opening
        ),
        params,
        perspectives=tuple(card.id for card, _ in sections),
        on_token=guard.feed if request.stream else None,
    )
    if called.error is not None:
        log.warning("the closing failed (%s); the sections stand without it", called.error.message)
        text = await guard.close(drop_unfinished=True) if request.stream else ""
        note = f"the closing failed ({called.error.message}); the sections stand without it"
        synthesis = synthesis.model_copy(update={"note": _joined(synthesis.note, note)})
        finish = "stop"
    else:
        assert called.completion is not None
        if not request.stream:
            await guard.feed(called.completion.text)
        text = await guard.close(drop_unfinished=called.completion.finish_reason == "length")
        synthesis = synthesis.model_copy(update={"model": model, "closing": bool(text)})
        cut_by_client = called.completion.finish_reason == "length" and params.max_tokens == wanted
        finish = "length" if cut_by_client else "stop"
    synthesis = synthesis.model_copy(update={"removed_sentences": synthesis.removed_sentences + guard.removed})
    answer = body + (CLOSING_HEADING + text if text else "")
    return {"answer": answer.strip(), "finish_reason": finish, "synthesis": synthesis, "calls": [called.call]}


async def llm_answer(ctx: GraphContext, request: RunRequest, ok: Drafts, emit: Emit) -> dict[str, Any]:
    """One synthesizer call writes the answer. If it fails, the sections of the drafts stand in."""
    model = ctx.synthesizer
    chat = build_messages.synthesizer(ctx.prompts, ok, request.messages)
    perspectives = tuple(card.id for card, _ in ok)
    if wants_format(request.params):  # JSON for the client, passed on as it is: only a model can write it
        on_token = sink(emit, AnswerDelta) if request.stream else None
        called = await ctx.call("synthesizer", model, chat, request.params, None, perspectives, on_token)
        completion = called.result()
        return {
            "answer": completion.text,
            "finish_reason": called.call.finish_reason,
            "synthesis": SynthesisRecord(strategy="llm", model=model),
            "calls": [called.call],
        }

    async def sentence_out(sentence: str) -> None:
        emit(AnswerDelta(sentence))

    guard = ProcessTalkFilter(sentence_out if request.stream else None)
    called = await ctx.call(
        "synthesizer", model, chat, request.params, None, perspectives, guard.feed if request.stream else None
    )
    calls: list[AgentCall] = [called.call]
    if called.error is not None:
        log.warning("the synthesizer failed (%s); the sections of the drafts stand in", called.error.message)
        shown = await guard.close(drop_unfinished=True) if request.stream else ""
        synthesis = SynthesisRecord(
            strategy="llm",
            replaced=True,
            removed_sentences=guard.removed,
            note=f"the synthesizer failed ({called.error.message}); the answer is the sections of the drafts",
        )
        fallback = await sections_answer(ctx, request, ok, emit, synthesis, closing=False)
        fallback["answer"] = _joined(shown, fallback["answer"], "\n\n")
        fallback["calls"] = calls
        return fallback
    assert called.completion is not None
    if not request.stream:
        await guard.feed(called.completion.text)
    answer = await guard.close()
    if not answer and guard.removed:  # nothing was left: the sections answer stands in
        synthesis = SynthesisRecord(
            strategy="llm",
            replaced=True,
            removed_sentences=guard.removed,
            note="the synthesis spoke only of its own making; the sections answer stands in",
        )
        replaced = await sections_answer(ctx, request, ok, emit, synthesis)
        replaced["calls"] = calls + replaced["calls"]
        return replaced
    return {
        "answer": answer,
        "finish_reason": called.call.finish_reason,
        "synthesis": SynthesisRecord(strategy="llm", model=model, removed_sentences=guard.removed),
        "calls": calls,
    }


def _joined(first: str | None, second: str, separator: str = "; ") -> str:
    return f"{first}{separator}{second}" if first else second
