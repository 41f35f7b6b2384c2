"""The synthesis node of mas: the answer from the considerations and the drafts, or an honest failure.

Every answer opens with the question's main considerations on each side (the call run beside the
voices), so that it never knows less than a plain answer; then each tradition says where it
stands and what it adds. Two strategies (`MULTIPLEX_SYNTHESIS`), both opening with the
considerations kept whole: `llm`, one synthesizer call writes what follows them from all the
drafts; `sections`, one section per answered voice (`sections.compose_voice`) and a short
model-written closing. Either way the answer is at most MULTIPLEX_ANSWER_LENGTH times the
considerations' words (voices given back after an `llm` synthesis take at least a sentence each).

Three promises hold for every model: no quotation reaches the user unless a source holds it;
nothing is said of a tradition that its texts or card do not support (`grounding/support.py`:
what fails is left out and listed in `grounding.unsupported_claims`); and no answered voice is
missing: after an `llm` synthesis, a voice the answer does not name, or keeps too little of
(retention below RESTORE_BELOW), gets its section back.

Nothing finished is thrown away: a closing that fails leaves the sections without it, a
synthesizer that fails leaves the considerations and the sections of the drafts it had (no second
call to a model that just failed), and failed considerations leave the voices; the record says so.
Only a run below the quorum fails, and when every agent failed for one reason, that reason is the run's.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from langgraph.runtime import Runtime

from multiplex.errors import MultiplexError, QuorumNotMet, RateLimited
from multiplex.graph import messages as build_messages
from multiplex.graph.analysis import analyse
from multiplex.graph.context import GraphContext, wants_format
from multiplex.graph.guards import Guard, References
from multiplex.graph.nodes import prose, sink
from multiplex.graph.record import (
    AgentCall,
    Citation,
    ConsiderationsRecord,
    Grounding,
    PerspectiveRecord,
    SynthesisRecord,
)
from multiplex.graph.sections import (
    BLOCKS,
    CLOSING_HEADING,
    CLOSING_OPENING,
    CLOSING_TOKENS,
    CONSIDERATIONS_HEADING,
    SOURCES_HEADING,
    VOICE_WORDS,
    WORDS_PER_TOKEN,
    Voice,
    VoiceSection,
    brief,
    budget_words,
    compose_voice,
    count_words,
    head_words,
    judge_voice,
    quotes,
    voice_blocks,
    voice_words,
)
from multiplex.graph.state import AnswerDelta, GraphState, RunRequest
from multiplex.grounding.relevance import best_fit
from multiplex.grounding.support import Claims, Evidence
from multiplex.llm import capabilities, tokens
from multiplex.roster import Perspective, Roster
from multiplex.scoring.synthesis import synthesis_score
from multiplex.text.embedding import embed
from multiplex.text.sentences import split_sentences

log = logging.getLogger("multiplex.graph")
Emit = Callable[[Any], None]
# Below this retention an answered voice counts as lost. Chosen by measurement on the embedded
# model's drafts of the 14 sample questions (`python tests/benchmarks/voice_threshold.py`): a voice
# left out of an answer keeps a median 0.28 (90th percentile 0.41), a voice given one sentence of
# its draft 0.53 (10th percentile 0.28); AUC 0.88, and 0.42 separates them best (Youden's J 0.72).
RESTORE_BELOW = 0.42
# What one line of an answer's sources costs a client's token budget, when the passage is not yet
# known: the 90th percentile over the 15,547 shipped passages' lines (median 43).
SOURCE_LINE_TOKENS = 57
MARK_TOKENS = 3  # a quotation's " [n]"
SHRINK = (0.75, 0.5, 0.3)  # the shares of a voice's words tried in turn, to fit a client's budget


@dataclass(frozen=True)
class Draft:
    card: Perspective
    text: str
    citations: list[Citation]  # the passages it was given (the evidence of its claims), and any it quoted


@dataclass(frozen=True)
class Material:
    """What the answer is written from, prepared once (off the event loop: embeddings)."""

    question: str
    drafts: list[Draft]
    considerations: str  # as the guard of its call left it; "" when it failed or said nothing
    evidence: dict[str, Evidence]
    claims: Claims
    words: int | None  # the client's token budget for the answer, as words (None: no budget)
    note: str  # the line naming the voices not heard ("" when every voice answered, or notes are off)


async def synthesize(state: GraphState, *, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx, request, roster = runtime.context, state["request"], state["roster"]
    by_id = {r.id: r for r in state.get("records", [])}
    ok = [Draft(card, r.content, r.citations) for card in roster if (r := by_id[card.id]).status == "ok"]
    needed = max(1, math.ceil(ctx.settings.quorum * len(roster)))
    if len(ok) < needed:
        raise below_quorum(list(by_id.values()), len(ok), len(roster), needed)
    emit = runtime.stream_writer
    references = References()
    considered = state.get("considerations")
    missing = [r for r in by_id.values() if r.status == "failed"]
    note = missing_note(missing) if ctx.settings.degraded_note == "on" else ""
    material = await asyncio.to_thread(_material, request, roster, list(by_id.values()), ok, considered, note)
    if ctx.strategy(request) == "sections":
        update = await sections_answer(ctx, request, material, emit, SynthesisRecord(strategy="sections"), references)
    else:
        update = await llm_answer(ctx, request, material, emit, references)
    if considered is not None and considered.status == "failed":
        note = f"the considerations failed ({considered.error}); the answer opens with the voices"
        update["synthesis"] = _noted(update["synthesis"], note, failed="considerations")
    drafts = {d.card.id: d.text for d in ok}
    update["analysis"] = await asyncio.to_thread(analyse, drafts, [r.id for r in missing])
    if wants_format(request.params):
        return update  # the client's JSON, as the synthesizer wrote it: nothing of ours appended
    tail = [block for block in (material.note, references.block()) if block]
    for block in tail:
        if request.stream:
            emit(AnswerDelta(BLOCKS + block))
    answer = BLOCKS.join([update["answer"], *tail])
    words = count_words(BLOCKS.join([update["answer"], material.note]))
    update["synthesis"] = update["synthesis"].model_copy(update={"words": words})
    return {**update, "answer": answer}


def _material(
    request: RunRequest,
    roster: Roster,
    records: list[PerspectiveRecord],
    drafts: list[Draft],
    considered: ConsiderationsRecord | None,
    note: str,
) -> Material:
    question = build_messages.last_user_text(request.messages)
    by_id = {r.id: r for r in records}
    evidence = {card.id: Evidence.of(card, by_id[card.id].citations) for card in roster if card.id in by_id}
    budget = request.params.max_tokens if request.mode == "mas" else None
    return Material(
        question=question,
        drafts=drafts,
        considerations=considered.content if considered is not None and considered.status == "ok" else "",
        evidence=evidence,
        claims=Claims(roster, evidence),
        words=round(budget * WORDS_PER_TOKEN) if budget else None,
        note=note,
    )


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


def _guard(
    ctx: GraphContext,
    request: RunRequest,
    references: References,
    material: Material | None,
    emit: Callable[[str], Any] | None = None,
) -> Guard:
    """The guard of text the answer is made of (see guards.py): quotations checked and numbered,
    our instructions and talk of the process left out, and (given the `material`) claims about a
    tradition checked."""
    return Guard(
        emit,
        sources=ctx.sources,
        references=references,
        asked=build_messages.user_words(request.messages),
        echo=ctx.instructions,
        claims=material.claims if material is not None else None,
        process_talk=True,
    )


async def _guarded(guard: Guard, text: str) -> str:
    await guard.feed(text)
    return await guard.close(drop_unfinished=True)


def _judged(material: Material, drafts: list[Draft]) -> list[Voice]:
    """The drafts' voices, judged (sync: support checks and embeddings)."""
    return [
        judge_voice(
            d.card,
            d.text,
            material.evidence[d.card.id],
            best_fit(d.citations, material.question),
            material.question,
        )
        for d in drafts
    ]


def _taken(considerations: str) -> np.ndarray:
    """The rows of what the answer says before its voices, which they need not repeat."""
    return embed(split_sentences(considerations)) if considerations else np.zeros((0, 256), dtype=np.float32)


def _shaped(
    material: Material, considered: str, voices: list[Voice], share: int, limit: int | None
) -> tuple[str, list[VoiceSection]]:
    """The considerations and a section per voice, each voice within `share` words; with a client's
    token budget (`limit`), said shorter until the answer, its sources and note fit: fewer of each
    voice's words; then one sentence of the considerations and of each voice, its quotations
    brought back voice by voice while they fit (each costs a line of sources). Every voice keeps
    its section; only an answer that cannot fit even so is cut."""
    taken = _taken(considered)
    sections = [compose_voice(v, taken, share) for v in voices]
    if limit is None or _tokens(considered, sections, material.note) <= limit:
        return considered, sections
    for scale in SHRINK:
        sections = [compose_voice(v, taken, max(VOICE_WORDS, round(share * scale))) for v in voices]
        if _tokens(considered, sections, material.note) <= limit:
            return considered, sections
    head = head_words(considered, 1) if considered else ""
    sections = [compose_voice(v, taken, VOICE_WORDS, quote=False) for v in voices]
    for i, voice in enumerate(voices):
        quoting = [*sections[:i], compose_voice(voice, taken, VOICE_WORDS), *sections[i + 1 :]]
        if _tokens(head, quoting, material.note) <= limit:
            sections = quoting
    return head, sections


def _tokens(considered: str, sections: list[VoiceSection], note: str) -> int:
    """What an answer of these parts costs a client's token budget, its sources listed (a closing
    is written only into what is left)."""
    voices = voice_blocks([(s.card, s.body) for s in sections], brief=any(s.brief for s in sections))
    blocks = [CONSIDERATIONS_HEADING + considered if considered else "", *voices, note]
    shown = {s.fit.passage.id: s.fit.passage for s in sections if s.fit is not None}
    lines = [f"- [{i}] {p.reference()}" for i, p in enumerate(shown.values(), 1)]
    inner = sum(quotes(s) for section in sections for s in section.sentences)
    if lines or inner:
        blocks += [SOURCES_HEADING + "\n" + "\n".join(lines)]
    text = BLOCKS.join(b for b in blocks if b)
    return tokens.count(text) + MARK_TOKENS * (len(shown) + inner) + SOURCE_LINE_TOKENS * inner


async def _voices(
    ctx: GraphContext, request: RunRequest, sections: list[VoiceSection], references: References
) -> tuple[list[tuple[Perspective, str]], Grounding]:
    """What each voice says in the answer ("" for nothing: see `voice_blocks`), its quotations
    numbered, and what was left out."""
    grounding = Grounding()
    said = []
    for section in sections:
        body = ""
        if section.body:
            # a voice's sentences were checked against its own tradition's evidence: no `material`
            guard = _guard(ctx, request, references, None)
            body = await _guarded(guard, section.body)
            grounding += guard.grounding
        grounding.unsupported_claims += section.dropped
        if section.fit is not None and section.fit.passage.id in references.ids:
            grounding.passages_shown = [*grounding.passages_shown, section.fit.passage.id]
        grounding.passages_withheld += int(section.withheld)
        said.append((section.card, body))
    return said, grounding


def _emitter(request: RunRequest, emit: Emit, started: bool = False) -> Callable[[str], None]:
    """Sends the answer's blocks as they are ready, each after the one before it (`started`: after
    blocks already sent)."""

    def send(block: str) -> None:
        nonlocal started
        if request.stream and block:
            emit(AnswerDelta(BLOCKS + block if started else block))
            started = True

    return send


async def _considerations_block(
    ctx: GraphContext, request: RunRequest, material: Material, references: References
) -> tuple[str, Grounding]:
    """The considerations as the answer opens with them: guarded, and within half the client's
    budget when it set one."""
    if not material.considerations:
        return "", Grounding()
    guard = _guard(ctx, request, references, material)
    text = await _guarded(guard, material.considerations)
    if material.words is not None:
        text = head_words(text, material.words // 2)
    return text, guard.grounding


async def sections_answer(
    ctx: GraphContext,
    request: RunRequest,
    material: Material,
    emit: Emit,
    synthesis: SynthesisRecord,
    references: References,
    closing: bool = True,
    drafts: list[Draft] | None = None,
    after: bool = False,
) -> dict[str, Any]:
    """The considerations, a section per draft, then (with `closing`) the model's closing, within
    the word budget. A closing that fails leaves the rest whole, and the record says so."""
    drafts = material.drafts if drafts is None else drafts
    send = _emitter(request, emit, started=after)
    considered, grounding = await _considerations_block(ctx, request, material, references)
    budget = budget_words(count_words(considered), ctx.settings.answer_length)
    if material.words is not None:
        budget = min(budget, material.words)
    share = voice_words(budget, count_words(considered), len(drafts))
    judged = await asyncio.to_thread(_judged, material, drafts)
    limit = request.params.max_tokens
    considered, sections = await asyncio.to_thread(_shaped, material, considered, judged, share, limit)
    send(CONSIDERATIONS_HEADING + considered if considered else "")
    said, voice_grounding = await _voices(ctx, request, sections, references)
    grounding += voice_grounding
    voices = voice_blocks(said, brief=any(s.brief for s in sections))
    for text in voices:
        send(text)
    blocks = [CONSIDERATIONS_HEADING + considered if considered else "", *voices]
    body = BLOCKS.join(block for block in blocks if block)
    synthesis = synthesis.model_copy(update={"word_budget": budget})
    if not closing:
        return {"answer": body, "finish_reason": "stop", "synthesis": synthesis, "calls": [], "grounding": [grounding]}
    left = budget - count_words(body)
    written = BLOCKS.join(part for part in (body, material.note) if part)
    closing_tokens = _closing_tokens(request, ctx.settings.max_tokens, left, written, references)
    model = ctx.synthesizer(request)
    briefs = [(card, brief(text)) for card, text in said if text]
    if closing_tokens < 16 or len(briefs) < 2:
        note = (
            "no words were left for a closing within the answer's budget"
            if len(briefs) >= 2
            else "fewer than two voices said anything traced to their texts: no common ground or tension to close on"
        )
        return {
            "answer": body,
            "finish_reason": "stop",
            "synthesis": _noted(synthesis, note),
            "calls": [],
            "grounding": [grounding],
        }
    params = replace(prose(request.params), max_tokens=closing_tokens, stop=("\n\n",))
    opening = CLOSING_OPENING if capabilities(model).continues_openings else ""
    heading_sent = False

    async def closing_sentence(sentence: str) -> None:
        nonlocal heading_sent
        send_text = sentence if heading_sent else CLOSING_HEADING + sentence
        if request.stream:
            emit(AnswerDelta(send_text if heading_sent else (BLOCKS + send_text if body or after else send_text)))
        heading_sent = True

    guard = _guard(ctx, request, references, material, closing_sentence)
    await guard.feed(opening)
    called = await ctx.call(
        "synthesizer",
        model,
        build_messages.closing(ctx.prompts, briefs, request.messages, opening),
        params,
        perspectives=tuple(d.card.id for d in drafts),
        on_token=guard.feed if request.stream else None,
    )
    if called.error is not None:
        log.warning("the closing failed (%s); the sections stand without it", called.error.message)
        text = await guard.close(drop_unfinished=True) if request.stream else ""
        note = f"the closing failed ({called.error.message}); the sections stand without it"
        synthesis = _noted(synthesis, note, failed="closing")
    else:
        assert called.completion is not None
        if not request.stream:
            await guard.feed(called.completion.text)
        text = await guard.close(drop_unfinished=True)
        synthesis = synthesis.model_copy(update={"model": model, "closing": bool(text)})
    synthesis = synthesis.model_copy(update={"removed_sentences": synthesis.removed_sentences + guard.removed})
    answer = BLOCKS.join(part for part in (body, CLOSING_HEADING + text if text else "") if part)
    return {
        "answer": answer,
        "finish_reason": "stop",
        "synthesis": synthesis,
        "calls": [called.call],
        "grounding": [grounding + guard.grounding],
    }


def _closing_tokens(request: RunRequest, own: int, words_left: int, body: str, references: References) -> int:
    """The closing's max tokens: what the word budget leaves, within its cap, and within what the
    client's token budget leaves after the body and the references it will carry."""
    wanted = min(CLOSING_TOKENS, own, math.ceil(max(words_left, 0) / WORDS_PER_TOKEN))
    if request.params.max_tokens is None:
        return wanted
    spent = tokens.count(BLOCKS.join([body, references.block()])) + SOURCE_LINE_TOKENS + 12  # and a quote of its own
    return min(wanted, request.params.max_tokens - spent)


async def llm_answer(
    ctx: GraphContext, request: RunRequest, material: Material, emit: Emit, references: References
) -> dict[str, Any]:
    """The considerations kept whole, then one synthesizer call writes where each tradition stands
    on them; voices it lost are restored from their drafts. If it fails, the sections stand in."""
    model = ctx.synthesizer(request)
    drafts = material.drafts
    plain = count_words(material.considerations)
    budget = budget_words(plain, ctx.settings.answer_length)
    if material.words is not None:
        budget = min(budget, material.words)
    perspectives = tuple(d.card.id for d in drafts)
    if wants_format(request.params):  # JSON for the client, passed on as it is: only a model can write it
        chat = build_messages.synthesizer(
            ctx.prompts, [(d.card, d.text) for d in drafts], request.messages, material.considerations, budget
        )
        on_token = sink(emit, AnswerDelta) if request.stream else None
        called = await ctx.call("synthesizer", model, chat, request.params, None, perspectives, on_token)
        completion = called.result()
        return {
            "answer": completion.text,
            "finish_reason": called.call.finish_reason,
            "synthesis": SynthesisRecord(strategy="llm", model=model),
            "calls": [called.call],
        }

    # The answer opens with the considerations as they were written: a synthesizer asked to
    # restate them lost most of them (a 1.5B model's answers covered 22% of ArgKP's key points
    # where their considerations alone covered 31%), so it writes only what follows them.
    considered, opened = await _considerations_block(ctx, request, material, references)
    opening = CONSIDERATIONS_HEADING + considered if considered else ""
    if request.stream and opening:
        emit(AnswerDelta(opening))
    words = max(budget - count_words(considered), VOICE_WORDS * len(drafts))
    chat = build_messages.synthesizer(
        ctx.prompts, [(d.card, d.text) for d in drafts], request.messages, considered, words
    )
    follows = bool(opening)

    async def sentence_out(sentence: str) -> None:
        nonlocal follows
        emit(AnswerDelta(BLOCKS + sentence if follows else sentence))
        follows = False

    guard = _guard(ctx, request, references, material, sentence_out if request.stream else None)
    # The words left are its tokens: a model asked for "at most N words" writes more (Qwen 1.5B:
    # 578 words against 300); what the cap cuts mid-sentence, the guard leaves out.
    own = math.ceil(words / WORDS_PER_TOKEN)
    params = replace(request.params, max_tokens=min(own, request.params.max_tokens or own))
    called = await ctx.call(
        "synthesizer", model, chat, params, None, perspectives, guard.feed if request.stream else None
    )
    calls: list[AgentCall] = [called.call]
    rest = replace(material, considerations="", words=words)  # what a stand-in writes after the opening
    if called.error is not None:
        log.warning("the synthesizer failed (%s); the sections of the drafts stand in", called.error.message)
        shown = await guard.close(drop_unfinished=True) if request.stream else ""
        synthesis = SynthesisRecord(
            strategy="llm",
            replaced=True,
            removed_sentences=guard.removed,
            note=f"the synthesizer failed ({called.error.message}); the answer is the considerations and the sections",
            failed=["synthesizer"],
        )
        fallback = await sections_answer(
            ctx, request, rest, emit, synthesis, references, closing=False, after=bool(opening or shown)
        )
        fallback["answer"] = BLOCKS.join(part for part in (opening, shown, fallback["answer"]) if part)
        fallback["synthesis"] = fallback["synthesis"].model_copy(update={"word_budget": budget})
        fallback["calls"] = calls
        fallback["grounding"] = [opened, guard.grounding, *fallback["grounding"]]
        return fallback
    assert called.completion is not None
    if not request.stream:
        await guard.feed(called.completion.text)
    written = await guard.close(drop_unfinished=called.completion.finish_reason == "length")
    if not written and guard.removed:  # nothing was left: the sections answer stands in
        synthesis = SynthesisRecord(
            strategy="llm",
            replaced=True,
            removed_sentences=guard.removed,
            note="the synthesis spoke only of its own making; the sections answer stands in",
            failed=["synthesizer"],
        )
        replaced = await sections_answer(ctx, request, rest, emit, synthesis, references, after=bool(opening))
        replaced["answer"] = BLOCKS.join(part for part in (opening, replaced["answer"]) if part)
        replaced["calls"] = calls + replaced["calls"]
        replaced["grounding"] = [opened, guard.grounding, *replaced["grounding"]]
        return replaced
    answer = BLOCKS.join(part for part in (opening, written) if part)
    lost = await asyncio.to_thread(_lost_voices, written, drafts, material.claims)
    synthesis = SynthesisRecord(strategy="llm", model=model, removed_sentences=guard.removed, word_budget=budget)
    groundings = [opened, guard.grounding]
    if lost:
        share = max(VOICE_WORDS, (budget - count_words(answer) - len(lost)) // len(lost))  # what the budget leaves
        judged = await asyncio.to_thread(_judged, material, lost)
        taken = await asyncio.to_thread(_taken, answer)
        sections = [compose_voice(voice, taken, share) for voice in judged]
        said, restored_grounding = await _voices(ctx, request, sections, references)
        restored = voice_blocks(said)
        for text in restored:
            if request.stream:
                emit(AnswerDelta(BLOCKS + text))
        answer = BLOCKS.join([answer, *restored])
        groundings.append(restored_grounding)
        ids = [d.card.id for d in lost]
        note = f"the synthesis did not give {', '.join(d.card.name for d in lost)} their say: restored from the drafts"
        synthesis = synthesis.model_copy(update={"restored": ids, "note": note})
        log.info("voices restored after the llm synthesis: %s", ", ".join(ids))
    cut = called.completion.finish_reason == "length" and request.params.max_tokens is not None
    return {
        "answer": answer,
        "finish_reason": "length" if cut else "stop",
        "synthesis": synthesis,
        "calls": calls,
        "grounding": groundings,
    }


def _lost_voices(answer: str, drafts: list[Draft], claims: Claims) -> list[Draft]:
    """Voices the answer does not name, or names but keeps too little of."""
    retention = synthesis_score(answer, {d.card.id: d.text for d in drafts}).retention
    named = {pid for sentence in split_sentences(answer) for pid in claims.named(sentence)}
    return [d for d in drafts if d.card.id not in named or retention.get(d.card.id, 1.0) < RESTORE_BELOW]


def _noted(synthesis: SynthesisRecord, note: str, failed: str | None = None) -> SynthesisRecord:
    return synthesis.model_copy(
        update={"note": _joined(synthesis.note, note), "failed": synthesis.failed + ([failed] if failed else [])}
    )


def _joined(first: str | None, second: str, separator: str = "; ") -> str:
    return f"{first}{separator}{second}" if first and second else (first or second)
