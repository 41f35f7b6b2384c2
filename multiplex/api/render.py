"""From a run to the OpenAI protocol: the whole answer, and the chunks of a streamed one."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from multiplex.api.protocol import (
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
from multiplex.graph import PerspectiveRecord, RunResult


def draft_block(record: PerspectiveRecord) -> str:
    text = record.content if record.status == "ok" else f"(failed: {record.error})"
    return f"**{record.name}**\n{text.strip()}\n\n"


def drafts_text(result: RunResult) -> str | None:
    if result.mode != "mas":
        return None
    return "".join(draft_block(p) for p in result.perspectives) or None


def completion(model: str, result: RunResult, show_drafts: bool) -> ChatCompletion:
    return ChatCompletion(
        model=model,
        choices=[
            Choice(
                message=ChoiceMessage(
                    content=result.text, reasoning_content=drafts_text(result) if show_drafts else None
                ),
                finish_reason=result.finish_reason,
            )
        ],
        usage=result.usage,
        multiplex=result,
    )


@dataclass
class Chunks:
    """The chunks of one streamed answer, sharing its id, time and model."""

    model: str
    id: str = field(default_factory=completion_id)
    created: int = field(default_factory=lambda: int(time.time()))

    def _chunk(self, **fields: object) -> str:
        return ChatCompletionChunk(id=self.id, created=self.created, model=self.model, **fields).frame()

    def role(self) -> str:
        return self._chunk(choices=[ChunkChoice(delta=Delta(role="assistant", content=""))])

    def content(self, text: str) -> str:
        return self._chunk(choices=[ChunkChoice(delta=Delta(content=text))])

    def started(self, id: str, name: str) -> str:
        return self._chunk(
            multiplex=PerspectiveEvent(event="perspective_started", perspective=PerspectiveRef(id=id, name=name))
        )

    def delta(self, id: str, text: str) -> str:
        return self._chunk(
            multiplex=PerspectiveEvent(event="perspective_delta", perspective=PerspectiveRef(id=id), text=text)
        )

    def done(self, record: PerspectiveRecord) -> str:
        return self._chunk(
            choices=[ChunkChoice(delta=Delta(reasoning_content=draft_block(record)))],
            multiplex=PerspectiveEvent(event="perspective_done", perspective=record),
        )

    def finish(self, result: RunResult, include_usage: bool) -> list[str]:
        """The finishing chunk, with the run record; with `include_usage`, the usage chunk after it
        carries both (OpenAI's usage chunk has no choices)."""
        if not include_usage:
            return [
                self._chunk(choices=[ChunkChoice(delta=Delta(), finish_reason=result.finish_reason)], multiplex=result)
            ]
        return [
            self._chunk(choices=[ChunkChoice(delta=Delta(), finish_reason=result.finish_reason)]),
            self._chunk(usage=result.usage, multiplex=result),
        ]
