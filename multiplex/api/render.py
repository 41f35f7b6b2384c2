"""From a run to the OpenAI protocol: the whole answer, and the chunks of a streamed one.

Where a mas answer shows its drafts (MULTIPLEX_EXPOSE_DRAFTS, or the request's
`multiplex.expose_drafts`): `reasoning_content` (beside the answer, where chat clients show a
model's thinking), `think` (inside `<think>...</think>` before the answer, which lm-eval and
inspect_ai take apart), or `none`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from multiplex.api.protocol import (
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
from multiplex.graph import PerspectiveRecord, RunResult
from multiplex.graph.analysis import Analysis
from multiplex.llm import Usage

Drafts = Literal["reasoning_content", "think", "none"]


def draft_block(record: PerspectiveRecord) -> str:
    text = record.content if record.status == "ok" else f"(failed: {record.error})"
    return f"**{record.name}**\n{text.strip()}\n\n"


def drafts_text(result: RunResult) -> str | None:
    if result.mode != "mas":
        return None
    return "".join(draft_block(p) for p in result.perspectives) or None


def think(drafts: str) -> str:
    return f"<think>\n{drafts.strip()}\n</think>\n\n"


def usage_of(result: RunResult) -> Usage:
    """The response's `usage`: every call of the run, as a bill counts them. A cached answer reports
    the tokens of the run that made it, as litellm does for a cache hit; `multiplex.cached` says it
    cost nothing this time."""
    return Usage(prompt_tokens=result.usage.prompt_tokens, completion_tokens=result.usage.completion_tokens)


def missing_header(result: RunResult) -> dict[str, str]:
    """A degraded answer says so in a header too (non-streamed: a stream's headers go first)."""
    return {"x-multiplex-missing": ",".join(result.missing)} if result.missing else {}


def completion(model: str, result: RunResult, drafts: Drafts) -> ChatCompletion:
    shown = drafts_text(result) if drafts != "none" else None
    content = think(shown) + result.text if shown and drafts == "think" else result.text
    return ChatCompletion(
        model=model,
        choices=[
            Choice(
                message=ChoiceMessage(
                    content=content, reasoning_content=shown if drafts == "reasoning_content" else None
                ),
                finish_reason=result.finish_reason,
            )
        ],
        usage=usage_of(result),
        multiplex=result,
    )


class Frames:
    """The SSE frames of one streamed answer in one protocol. A run's events come in order: `role`
    once, the perspectives' `started`, `delta` and `done`, the answer's `content`, the `analysis`,
    then `finish`. What a protocol has no place for is no frame (an empty string)."""

    model: str

    def role(self) -> str:
        return ""

    def started(self, id: str, name: str) -> str:  # noqa: ARG002
        return ""

    def delta(self, id: str, text: str) -> str:  # noqa: ARG002
        return ""

    def done(self, record: PerspectiveRecord, events: bool) -> str:  # noqa: ARG002
        return ""

    def analysis(self, analysis: Analysis) -> str:  # noqa: ARG002
        return ""

    def content(self, text: str) -> str:
        raise NotImplementedError

    def finish(self, result: RunResult, include_usage: bool) -> list[str]:
        raise NotImplementedError


@dataclass
class Chunks(Frames):
    """The chunks of one streamed chat completion, sharing its id, time and model, and where its drafts go."""

    model: str
    drafts: Drafts = "reasoning_content"
    id: str = field(default_factory=completion_id)
    created: int = field(default_factory=lambda: int(time.time()))
    thinking: bool = False  # inside <think>: the next answer text closes it first

    def _chunk(self, **fields: object) -> str:
        return ChatCompletionChunk(id=self.id, created=self.created, model=self.model, **fields).frame()

    def role(self) -> str:
        return self._chunk(choices=[ChunkChoice(delta=Delta(role="assistant", content=""))])

    def content(self, text: str) -> str:
        if self.thinking:
            self.thinking = False
            text = "\n</think>\n\n" + text
        return self._chunk(choices=[ChunkChoice(delta=Delta(content=text))])

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
            opening = "" if self.thinking else "<think>\n"
            self.thinking = True
            return self._chunk(choices=[ChunkChoice(delta=Delta(content=opening + block))], multiplex=event)
        return self._chunk(multiplex=event) if event else ""

    def analysis(self, analysis: Analysis) -> str:
        return self._chunk(multiplex=AnalysisEvent(analysis=analysis))

    def finish(self, result: RunResult, include_usage: bool) -> list[str]:
        """The finishing chunk, with the run record; with `include_usage`, the usage chunk after it
        carries both (OpenAI's usage chunk has no choices)."""
        close = [self.content("")] if self.thinking else []
        finishing = ChunkChoice(delta=Delta(), finish_reason=result.finish_reason)
        if not include_usage:
            return [*close, self._chunk(choices=[finishing], multiplex=result)]
        return [*close, self._chunk(choices=[finishing]), self._chunk(usage=usage_of(result), multiplex=result)]
