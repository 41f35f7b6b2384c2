"""The engine: runs a request through the graph of its mode, as events or as one result, and
scores the answer.

Everything that answers questions (API, CLI, bench, playground through the API) goes through
`Engine.stream` or `Engine.run`, and every request is validated once, by `Engine.prepare`,
into the `PreparedRun` that both take.
Cancelling the task that consumes a run cancels the graph and, with it, every agent call still
pending.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import replace
from typing import Any

import multiplex
from multiplex.errors import ConfigError, InvalidRequest, MultiplexError
from multiplex.graph.build import graph_for
from multiplex.graph.cache import SERVING_SETTINGS, AnswerCache, code_digest, fingerprint
from multiplex.graph.context import GraphContext
from multiplex.graph.limits import AnswerLimits
from multiplex.graph.messages import user_words
from multiplex.graph.panel import Panel
from multiplex.graph.record import Grounding, PerspectiveRecord, RunResult
from multiplex.graph.state import (
    MODES,
    AnalysisDone,
    AnswerDelta,
    Event,
    GraphState,
    PerspectiveDelta,
    PerspectiveDone,
    PerspectiveStarted,
    PreparedRun,
    RunDone,
    RunRequest,
)
from multiplex.grounding.sources import Sources
from multiplex.llm import LLM, tokens
from multiplex.llm.content import text_of
from multiplex.prompts import Prompts, cached_prompts
from multiplex.resources import cache_dir
from multiplex.roster import Roster, cached_roster
from multiplex.scoring import Scorer
from multiplex.settings import Settings
from multiplex.shared import Shared

ENGINE_MODES = (*MODES, "perspective", "task")


class Engine:
    def __init__(
        self, settings: Settings, roster: Roster, prompts: Prompts, llm: LLM | None = None, shared: Shared | None = None
    ) -> None:
        self.settings = settings
        self.roster = roster
        self.prompts = prompts
        self.llm = llm or LLM(settings)
        self._check_models()
        self.sources = Sources(roster, roster.folder, cache_dir())
        self.scorer = Scorer(roster, prompts, self.llm, settings.judge, self.sources)
        self.context = GraphContext(settings, prompts, self.llm, self.sources)
        self.shared = shared or Shared(None)
        self.cache = AnswerCache(
            settings.cache_ttl_s, self.shared, self._fingerprint(), sampled=settings.cache_sampled == "on"
        )
        self._inflight: dict[str, asyncio.Future[bool]] = {}

    @classmethod
    def from_settings(cls, settings: Settings, llm: LLM | None = None, shared: Shared | None = None) -> Engine:
        roster, prompts = cached_roster(settings.agents_dir), cached_prompts(settings.prompts_dir)
        return cls(settings, roster, prompts, llm, shared or Shared(settings.redis_url))

    def _fingerprint(self) -> str:
        """What, besides the request, makes an answer: the code (version and source), every setting
        but those that only serve it, every card and prompt, and the sources' content."""
        return fingerprint(
            [
                multiplex.__version__,
                code_digest(),
                self.settings.model_dump(mode="json", exclude=set(SERVING_SETTINGS)),
                [card.model_dump(mode="json") for card in self.roster],
                self.prompts.texts,
                self.sources.corpus.digest if self.sources.corpus is not None else None,
            ]
        )

    def _check_models(self) -> None:
        for name in ("model", "synthesizer_model", "judge"):
            value = getattr(self.settings, name)
            if value and value != "lexicon" and not self.llm.knows(value):
                raise ConfigError(
                    f"MULTIPLEX_{name.upper()}: '{value}' is neither a litellm model string nor a model_name "
                    "of MULTIPLEX_ROUTER_CONFIG"
                )
        for card in self.roster:
            if card.model and not self.llm.knows(card.model):
                raise ConfigError(
                    f"card '{card.id}': field 'model': '{card.model}' is neither a litellm model string nor a "
                    "model_name of MULTIPLEX_ROUTER_CONFIG"
                )

    @property
    def models(self) -> set[str]:
        """Every model this engine's agents call (the judge's too)."""
        judge = {self.settings.judge} if self.settings.judge != "lexicon" else set()
        return {self.settings.model, self.settings.synthesizer, *judge, *(self.model_of(p.id) for p in self.roster)}

    def model_of(self, perspective_id: str) -> str:
        return self.context.model_of(self.roster.get(perspective_id))

    def prepare(self, request: RunRequest) -> PreparedRun:
        """The one validation of a request: its mode, its perspectives, its conversation, the
        models it chooses. Raises InvalidRequest naming the field."""
        if request.mode not in ENGINE_MODES:
            raise InvalidRequest(f"unknown mode '{request.mode}'; use one of {', '.join(MODES)}", param="mode")
        if request.mode == "perspective" and (not request.perspectives or len(request.perspectives) != 1):
            raise InvalidRequest("a perspective run takes exactly one perspective id", param="perspectives")
        if request.perspectives is not None and request.mode not in ("mas", "perspective"):
            raise InvalidRequest("perspectives apply to the mas mode only", param="perspectives")
        if not request.messages or request.messages[-1].get("role") != "user":
            raise InvalidRequest("the conversation must end with a user message", param="messages")
        if not text_of(request.messages[-1].get("content")).strip():
            raise InvalidRequest("the last user message is empty: there is no question to answer", param="messages")
        roster = self.roster.subset(request.perspectives)
        if (
            request.perspectives is not None and len(roster) > self.settings.max_perspectives
        ):  # the roster is the operator's
            raise InvalidRequest(
                f"{len(roster)} perspectives asked for; a request may ask for at most "
                f"{self.settings.max_perspectives} (MULTIPLEX_MAX_PERSPECTIVES)",
                param="perspectives",
            )
        self._check_choices(request, roster)
        return PreparedRun(request, roster)

    def _check_choices(self, request: RunRequest, roster: Roster) -> None:
        """Models a request chooses must be among MULTIPLEX_ALLOWED_MODELS (or, with none listed, the
        configured ones): the server pays for every call."""
        allowed = set(self.settings.allowed_models) or self.models
        chosen = [(f"multiplex.models.{pid}", model) for pid, model in request.models.items()]
        if request.synthesizer_model is not None:
            chosen.append(("multiplex.synthesizer_model", request.synthesizer_model))
        for param, model in chosen:
            if param.startswith("multiplex.models.") and param.removeprefix("multiplex.models.") not in roster.ids:
                raise InvalidRequest(
                    f"{param}: no such perspective in this run; it has {', '.join(roster.ids)}", param=param
                )
            if model not in allowed or not self.llm.knows(model):
                raise InvalidRequest(
                    f"{param}: '{model}' is not a model this server lets a request choose; allowed: "
                    f"{', '.join(sorted(allowed))}",
                    param=param,
                )

    async def stream(self, run: RunRequest | PreparedRun) -> AsyncGenerator[Event, None]:
        """The run's events; from the answer cache when it holds this request (replayed, drafts and
        all), and an identical request already running in this process is waited for, not repeated."""
        prepared = run if isinstance(run, PreparedRun) else self.prepare(run)
        request = prepared.request
        key = self.cache.key(request)
        if key is None:
            async for event in self._run(prepared):
                yield event
            return
        hit = await self.cache.get(key)
        leader = self._inflight.get(key)
        if hit is None and leader is not None and not leader.done() and await asyncio.shield(leader):
            hit = await self.cache.get(key)  # the run we waited for stored its answer (or could not)
        if hit is not None:
            for event in replay(hit):
                yield event
            return
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._inflight[key] = done
        try:
            async for event in self._run(prepared):
                if isinstance(event, RunDone) and event.result.score_error is None and event.result.complete:
                    await self.cache.put(key, event.result)  # nothing degraded is replayed
                    done.set_result(True)
                yield event
        finally:
            self._inflight.pop(key, None)
            if not done.done():
                done.set_result(False)

    async def _run(self, prepared: PreparedRun) -> AsyncIterator[Event]:
        request, roster = prepared.request, prepared.roster
        started = time.perf_counter()
        state: GraphState = {"request": request, "roster": roster, "records": [], "calls": []}
        final: dict[str, Any] = {}
        context = self.context
        if request.mode == "mas":
            panel = Panel(len(roster), self.settings.quorum, self.settings.straggler_grace_s)
            context = replace(context, panel=panel)
        graph = graph_for(request.mode, context)
        limits = AnswerLimits(request.params.stop, request.params.max_tokens if request.mode == "mas" else None)
        async for kind, payload in graph.astream(state, context=context, stream_mode=["custom", "values"]):
            if kind == "values":
                final = payload
            elif isinstance(payload, AnswerDelta):
                allowed = limits.feed(payload.text)
                if allowed:
                    yield AnswerDelta(allowed)
            else:
                yield payload
        if request.stream:
            rest = limits.close()
            if rest:
                yield AnswerDelta(rest)
            text = limits.sent.strip()
        else:
            text = limits.whole(final.get("answer", "")).strip()
        if final.get("analysis") is not None:
            yield AnalysisDone(final["analysis"])
        tallies = final.get("grounding") or []
        grounding = sum(tallies, Grounding()) if tallies else None
        result = RunResult(
            mode=request.mode,
            model=self.settings.model,
            text=text,
            finish_reason=limits.reason or final.get("finish_reason") or "stop",
            perspectives=_verified(_ordered(final.get("records", []), roster), grounding),
            considerations=final.get("considerations"),
            synthesis=final.get("synthesis"),
            calls=final.get("calls", []),
            grounding=grounding,
            analysis=final.get("analysis"),
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            answer_tokens=tokens.count(text),
        )
        if request.score:
            await self._score(result, request)
        yield RunDone(result)

    async def _score(self, result: RunResult, request: RunRequest) -> None:
        """Scores the answer; a judge's failure leaves the answer whole, with the error beside it."""
        try:
            drafts = result.drafts if result.mode == "mas" else None
            asked = user_words(request.messages)
            considered = result.considerations.content if result.considerations is not None else None
            result.scores = await self.scorer.score(
                result.text,
                drafts,
                sources=bool(self.sources),
                asked=asked,
                viewpoints=request.viewpoints,
                considerations=considered,
            )
        except MultiplexError as exc:
            result.score_error = exc.message

    async def run(self, run: RunRequest | PreparedRun) -> RunResult:
        async with aclosing(self.stream(run)) as events:  # its bookkeeping ends with the run
            async for event in events:
                if isinstance(event, RunDone):
                    return event.result
        raise AssertionError("a run always ends with RunDone")


def replay(result: RunResult) -> list[Event]:
    """A cached run as the events of a stream: each voice's draft whole, the answer, the analysis."""
    events: list[Event] = []
    if result.mode == "mas":
        for record in result.perspectives:
            events.append(PerspectiveStarted(record.id, record.name))
            if record.content:
                events.append(PerspectiveDelta(record.id, record.content))
            events.append(PerspectiveDone(record))
    events.append(AnswerDelta(result.text))
    if result.analysis is not None:
        events.append(AnalysisDone(result.analysis))
    events.append(RunDone(result))
    return events


def _verified(records: list[PerspectiveRecord], grounding: Grounding | None) -> list[PerspectiveRecord]:
    """A voice's citation is verified when its draft or the answer quotes the passage word for word."""
    quoted = set(grounding.quoted) if grounding else set()
    for record in records:
        for citation in record.citations:
            citation.verified = citation.id in quoted
    return records


def _ordered(records: list[PerspectiveRecord], roster: Roster) -> list[PerspectiveRecord]:
    position = {pid: i for i, pid in enumerate(roster.ids)}
    return sorted(records, key=lambda r: position.get(r.id, len(position)))
