"""The synthesis node of mas: the answer from the drafts, or an honest failure.

Two strategies (`MULTIPLEX_SYNTHESIS`): `llm`, one synthesizer call writes the answer from all
the drafts; `sections`, one attributed section per answered perspective (its draft condensed,
then its most relevant passage, word for word) and a short model-written closing. Either way the
text passes the guard of `guards` (process talk, quotations), verified quotations are numbered and
the answer ends with its references.

Two promises hold for every model: no quotation reaches the user unless a source holds it, and no
answered voice is missing. After an `llm` synthesis, a voice whose draft the answer keeps too
little of (retention below RESTORE_BELOW) gets its section back, from its own draft.

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
from dataclasses import dataclass, replace
from typing import Any

from langgraph.runtime import Runtime

from multiplex.errors import MultiplexError, QuorumNotMet, RateLimited
from multiplex.graph import messages as build_messages
from multiplex.graph.analysis import analyse
from multiplex.graph.context import GraphContext, wants_format
from multiplex.graph.guards import Guard, References
from multiplex.graph.nodes import continues_openings, prose, sink
from multiplex.graph.record import AgentCall, Citation, Grounding, PerspectiveRecord, SynthesisRecord
from multiplex.graph.sections import (
    BLOCKS,
    CLOSING_HEADING,
    CLOSING_OPENING,
    CLOSING_TOKENS,
    WITHHELD,
    brief,
    condense,
    quoted_passage,
    section_body,
    section_heading,
)
from multiplex.graph.state import AnswerDelta, GraphState, RunRequest
from multiplex.roster import Perspective
from multiplex.scoring.synthesis import synthesis_score

log = logging.getLogger("multiplex.graph")
Emit = Callable[[Any], None]
# Below this retention an answered voice counts as lost. Chosen by measurement on the embedded
# model's drafts of the 14 sample questions (`python tests/benchmarks/voice_threshold.py`): a voice
# left out of an answer keeps a median 0.28 (90th percentile 0.41), a voice given one sentence of
# its draft 0.53 (10th percentile 0.28); AUC 0.88, and 0.42 separates them best (Youden's J 0.72).
RESTORE_BELOW = 0.42


@dataclass(frozen=True)
class Draft:
    card: Perspective
    text: str
    passage: Citation | None  # its most relevant passage, quoted whole in its section


async def synthesize(state: GraphState, *, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx, request, roster = runtime.context, state["request"], state["roster"]
    by_id = {r.id: r for r in state.get("records", [])}
    ok = [
        Draft(card, r.content, r.citations[0] if r.citations else None)
        for card in roster
        if (r := by_id[card.id]).status == "ok"
    ]
    needed = max(1, math.ceil(ctx.settings.quorum * len(roster)))
    if len(ok) < needed:
        raise below_quorum(list(by_id.values()), len(ok), len(roster), needed)
    emit = runtime.stream_writer
    references = References()
    if ctx.strategy(request) == "sections":
        update = await sections_answer(ctx, request, ok, emit, SynthesisRecord(strategy="sections"), references)
    else:
        update = await llm_answer(ctx, request, ok, emit, references)
    missing = [r for r in by_id.values() if r.status == "failed"]
    drafts = {d.card.id: d.text for d in ok}
    update["analysis"] = await asyncio.to_thread(analyse, drafts, [r.id for r in missing])
    if wants_format(request.params):
        return update  # the client's JSON, as the synthesizer wrote it: nothing of ours appended
    tail = [
        block
        for block in (missing_note(missing) if ctx.settings.degraded_note == "on" else "", references.block())
        if block
    ]
    for block in tail:
        if request.stream:
            emit(AnswerDelta(BLOCKS + block))
    return {**update, "answer": BLOCKS.join([update["answer"], *tail])}


WHY_MISSING = {
    "timeout": "no answer in time",
    "rate_limited": "its model was rate limited",
    "upstream_error": "its model failed",
    "empty": "no usable answer",
    "context_overflow": "the conversation did not fit its model",
    "invalid_request": "its model refused the request",
    "cancelled_late": "answered too late",
}


def missing_note(missing: list[PerspectiveRecord]) -> str:
    """The line a degraded answer carries, naming the voices it lacks and why."""
    if not missing:
        return ""
    named = ", ".join(f"{r.name} ({WHY_MISSING.get(r.failure or '', 'did not answer')})" for r in missing)
    return f"*Not heard in this answer: {named}.*"


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


def _bodies(drafts: list[Draft], question: str) -> list[tuple[Draft, str]]:
    """Every draft's section body: its words condensed and its passage. With nothing of its own
    words left beside unquoted attributions, its passage speaks for it."""
    return [
        (draft, section_body(condense(draft.text, question, attributions=draft.passage is None), draft.passage))
        for draft in drafts
    ]


async def _guarded_sections(
    ctx: GraphContext, request: RunRequest, drafts: list[Draft], emit: Emit, references: References, after: bool
) -> tuple[list[tuple[Draft, str]], Grounding]:
    """The drafts' sections, numbered by the answer's references and streamed when asked (`after`:
    some of the answer went out before them). Every voice keeps its section: a body the guard
    empties gives way to its passage alone, and with nothing checkable left, to WITHHELD."""
    question = build_messages.last_user_text(request.messages)
    bodies = await asyncio.to_thread(_bodies, drafts, question)  # embeddings: off the event loop
    grounding = Grounding()

    async def guarded(text: str) -> str:
        nonlocal grounding
        guard = Guard(sources=ctx.sources, references=references, asked=build_messages.user_words(request.messages))
        await guard.feed(text)
        kept = await guard.close()
        grounding += guard.grounding
        return kept

    sections: list[tuple[Draft, str]] = []
    for draft, body in bodies:
        shown = await guarded(body) if body else ""
        if not shown and draft.passage is not None and body != (alone := quoted_passage(draft.passage)):
            shown = await guarded(alone)
        text = section_heading(draft.card) + (shown or WITHHELD)
        if request.stream:
            emit(AnswerDelta(BLOCKS + text if after or sections else text))
        sections.append((draft, text))
    return sections, grounding


async def sections_answer(
    ctx: GraphContext,
    request: RunRequest,
    drafts: list[Draft],
    emit: Emit,
    synthesis: SynthesisRecord,
    references: References,
    closing: bool = True,
    after: bool = False,
) -> dict[str, Any]:
    """A section per draft, then (with `closing`) the model's closing. A closing that fails leaves
    the sections whole, and the record says so."""
    sections, grounding = await _guarded_sections(ctx, request, drafts, emit, references, after)
    body = BLOCKS.join(text for _, text in sections)
    if not closing:
        return {
            "answer": body.strip(),
            "finish_reason": "stop",
            "synthesis": synthesis,
            "calls": [],
            "grounding": [grounding],
        }
    wanted = request.params.max_tokens or ctx.settings.max_tokens
    params = replace(prose(request.params), max_tokens=min(wanted, CLOSING_TOKENS), stop=("\n\n",))
    model = ctx.synthesizer(request)
    opening = CLOSING_OPENING if continues_openings(model) else ""
    heading_sent = False

    lead = BLOCKS + CLOSING_HEADING if sections or after else CLOSING_HEADING

    async def closing_sentence(sentence: str) -> None:
        nonlocal heading_sent
        if request.stream:
            emit(AnswerDelta(sentence if heading_sent else lead + sentence))
        heading_sent = True

    guard = Guard(
        closing_sentence,
        process_talk=True,
        sources=ctx.sources,
        references=references,
        asked=build_messages.user_words(request.messages),
    )
    await guard.feed(opening)
    briefs = [(d.card, brief(d.text)) for d, _ in sections]
    called = await ctx.call(
        "synthesizer",
        model,
        build_messages.closing(ctx.prompts, briefs, request.messages, opening),
        params,
        perspectives=tuple(d.card.id for d, _ in sections),
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
    answer = BLOCKS.join(part for part in (body, CLOSING_HEADING + text if text else "") if part)
    return {
        "answer": answer,
        "finish_reason": finish,
        "synthesis": synthesis,
        "calls": [called.call],
        "grounding": [grounding + guard.grounding],
    }


async def llm_answer(
    ctx: GraphContext, request: RunRequest, drafts: list[Draft], emit: Emit, references: References
) -> dict[str, Any]:
    """One synthesizer call writes the answer; voices it lost are restored from their drafts. If it
    fails, the sections of the drafts stand in."""
    model = ctx.synthesizer(request)
    chat = build_messages.synthesizer(ctx.prompts, [(d.card, d.text) for d in drafts], request.messages)
    perspectives = tuple(d.card.id for d in drafts)
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

    guard = Guard(
        sentence_out if request.stream else None,
        process_talk=True,
        sources=ctx.sources,
        references=references,
        asked=build_messages.user_words(request.messages),
    )
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
        fallback = await sections_answer(
            ctx, request, drafts, emit, synthesis, references, closing=False, after=bool(shown)
        )
        fallback["answer"] = _joined(shown, fallback["answer"], BLOCKS)
        fallback["calls"] = calls
        fallback["grounding"] = [guard.grounding, *fallback["grounding"]]
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
        replaced = await sections_answer(ctx, request, drafts, emit, synthesis, references)
        replaced["calls"] = calls + replaced["calls"]
        replaced["grounding"] = [guard.grounding, *replaced["grounding"]]
        return replaced
    lost = await asyncio.to_thread(_lost_voices, answer, drafts)
    synthesis = SynthesisRecord(strategy="llm", model=model, removed_sentences=guard.removed)
    groundings = [guard.grounding]
    if lost:
        sections, restored_grounding = await _guarded_sections(ctx, request, lost, emit, references, after=True)
        answer = BLOCKS.join([answer, *(text for _, text in sections)])
        groundings.append(restored_grounding)
        restored = [d.card.id for d, _ in sections]
        note = (
            f"the synthesis kept too little of {', '.join(d.card.name for d, _ in sections)}: restored from the drafts"
        )
        synthesis = synthesis.model_copy(update={"restored": restored, "note": note})
        log.info("voices restored after the llm synthesis: %s", ", ".join(restored))
    return {
        "answer": answer,
        "finish_reason": called.call.finish_reason,
        "synthesis": synthesis,
        "calls": calls,
        "grounding": groundings,
    }


def _lost_voices(answer: str, drafts: list[Draft]) -> list[Draft]:
    retention = synthesis_score(answer, {d.card.id: d.text for d in drafts}).retention
    return [d for d in drafts if retention.get(d.card.id, 1.0) < RESTORE_BELOW]


def _joined(first: str | None, second: str, separator: str = "; ") -> str:
    return f"{first}{separator}{second}" if first and second else (first or second)
