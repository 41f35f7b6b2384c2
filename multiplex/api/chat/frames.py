"""A run as a chat completion: the whole answer, and the chunks of a streamed one."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from multiplex.api.chat.protocol import (
    AnalysisEvent,
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ChoiceMessage,
    ChunkChoice,
    Delta,
    PerspectiveEvent,
    PerspectiveRef,
    completion_id,
)
from multiplex.api.frames import Drafts, Frames, Thinking, draft_block, usage_of, with_drafts
from multiplex.graph import PerspectiveRecord, RunResult
from multiplex.graph.analysis import Analysis


def completion(model: str, result: RunResult, drafts: Drafts) -> ChatCompletion:
    content, beside = with_drafts(result, drafts)
    return ChatCompletion(
        model=model,
        choices=[
            Choice(
                message=ChoiceMessage(content=content, reasoning_content=beside),
                finish_reason=result.finish_reason,
            )
        ],
        usage=usage_of(result),
        multiplex=result,
    )


@dataclass
class Chunks(Frames):
    """The chunks of one streamed chat completion, sharing its id, time and model, and where its drafts go."""

    model: str
    drafts: Drafts = "reasoning_content"
    id: str = field(default_factory=completion_id)
    created: int = field(default_factory=lambda: int(time.time()))
    think: Thinking = field(default_factory=Thinking)

    def _chunk(self, **fields: object) -> str:
        return ChatCompletionChunk(id=self.id, created=self.created, model=self.model, **fields).frame()

    def role(self) -> str:
        return self._chunk(choices=[ChunkChoice(delta=Delta(role="assistant", content=""))])

    def content(self, text: str) -> str:
        return self._chunk(choices=[ChunkChoice(delta=Delta(content=self.think.answer(text)))])

    def started(self, id: str, name: str) -> str:
        return self._chunk(
            multiplex=PerspectiveEvent(event="perspective_started", perspective=PerspectiveRef(id=id, name=name))
        )

    def delta(self, id: str, text: str) -> str:
        return self._chunk(
            multiplex=PerspectiveEvent(event="perspective_delta", perspective=PerspectiveRef(id=id), text=text)
        )

    def done(self, record: PerspectiveRecord, events: bool) -> str:
        """A finished draft: its block where drafts go, and (with `events`) its record."""
        event = PerspectiveEvent(event="perspective_done", perspective=record) if events else None
        block = draft_block(record)
        if self.drafts == "reasoning_content":
            return self._chunk(choices=[ChunkChoice(delta=Delta(reasoning_content=block))], multiplex=event)
        if self.drafts == "think":
            return self._chunk(choices=[ChunkChoice(delta=Delta(content=self.think.draft(block)))], multiplex=event)
        return self._chunk(multiplex=event) if event else ""

    def analysis(self, analysis: Analysis) -> str:
        return self._chunk(multiplex=AnalysisEvent(analysis=analysis))

    def finish(self, result: RunResult, include_usage: bool) -> list[str]:
        """The finishing chunk, with the run record; with `include_usage`, the usage chunk after it
        carries both (OpenAI's usage chunk has no choices)."""
        close = [self.content("")] if self.think.open else []
        finishing = ChunkChoice(delta=Delta(), finish_reason=result.finish_reason)
        if not include_usage:
            return [*close, self._chunk(choices=[finishing], multiplex=result)]
        return [*close, self._chunk(choices=[finishing]), self._chunk(usage=usage_of(result), multiplex=result)]
