"""The engine: runs a request through the graph of its mode, as events or as one result.

Everything that answers questions (API, CLI, bench, playground through the API) goes through
`Engine.stream` or `Engine.run`. Cancelling the task that consumes a run cancels the graph and,
with it, every agent call still pending.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from multiplex.errors import InvalidRequest
from multiplex.graph.build import GraphContext, build_mas, build_single
from multiplex.graph.state import (
    MODES,
    Event,
    GraphState,
    PerspectiveRecord,
    RunDone,
    RunRequest,
    RunResult,
)
from multiplex.llm import Usage
from multiplex.prompts import Prompts, cached_prompts
from multiplex.roster import Roster, cached_roster
from multiplex.settings import Settings, get_settings


class Engine:
    def __init__(self, settings: Settings, roster: Roster, prompts: Prompts) -> None:
        self.settings = settings
        self.roster = roster
        self.prompts = prompts
        ctx = GraphContext(settings, prompts)
        self._graphs: dict[str, Any] = {
            "baseline": build_single(ctx, "baseline"),
            "contextual": build_single(ctx, "contextual"),
            "perspective": build_single(ctx, "perspective"),
            "mas": build_mas(ctx),
        }

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Engine:
        settings = settings or get_settings()
        return cls(settings, cached_roster(settings.agents_dir), cached_prompts(settings.prompts_dir))

    def _roster_for(self, request: RunRequest) -> Roster:
        if request.mode == "perspective":
            if not request.perspectives or len(request.perspectives) != 1:
                raise InvalidRequest("a perspective run takes exactly one perspective id", param="perspectives")
        elif request.mode not in MODES:
            raise InvalidRequest(f"unknown mode '{request.mode}'; use one of {', '.join(MODES)}", param="mode")
        if not request.messages or request.messages[-1].get("role") != "user":
            raise InvalidRequest("the conversation must end with a user message", param="messages")
        return self.roster.subset(request.perspectives)

    async def stream(self, request: RunRequest) -> AsyncIterator[Event]:
        roster = self._roster_for(request)
        started = time.perf_counter()
        state: GraphState = {"request": request, "roster": roster, "records": [], "usage": {}}
        final: dict[str, Any] = {}
        async for kind, payload in self._graphs[request.mode].astream(state, stream_mode=["custom", "values"]):
            if kind == "custom":
                yield payload
            else:
                final = payload
        records = _ordered(final.get("records", []), roster)
        if request.mode == "perspective":
            card = roster[0]
            records = [
                PerspectiveRecord(
                    card.id,
                    card.name,
                    "ok",
                    final["answer"],
                    (time.perf_counter() - started) * 1000,
                    final["usage"]["model"],
                )
            ]
        usage_by_agent: dict[str, Usage] = final.get("usage", {})
        total = sum(usage_by_agent.values(), Usage())
        yield RunDone(
            RunResult(
                mode=request.mode,
                model=self.settings.model,
                text=final.get("answer", ""),
                perspectives=records,
                usage=total,
                usage_by_agent=usage_by_agent,
                latency_ms=(time.perf_counter() - started) * 1000,
            )
        )

    async def run(self, request: RunRequest) -> RunResult:
        async for event in self.stream(request):
            if isinstance(event, RunDone):
                return event.result
        raise AssertionError("a run always ends with RunDone")


def _ordered(records: list[PerspectiveRecord], roster: Roster) -> list[PerspectiveRecord]:
    position = {pid: i for i, pid in enumerate(roster.ids)}
    return sorted(records, key=lambda r: position.get(r.id, len(position)))
