"""A run as a text completion: the whole answer, and the frames of a streamed one."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from multiplex.api.completions.protocol import TextChoice, TextCompletion, completion_id
from multiplex.api.frames import Drafts, Frames, Thinking, draft_block, usage_of, with_drafts
from multiplex.graph import PerspectiveRecord, RunResult


def completion(model: str, result: RunResult, drafts: Drafts) -> TextCompletion:
    """The whole answer as text; drafts shown only inside <think> (the text protocol has no other place)."""
    text, _ = with_drafts(result, "think" if drafts == "think" else "none")
    return TextCompletion(
        model=model,
        choices=[TextChoice(text=text, finish_reason=result.finish_reason)],
        usage=usage_of(result),
        multiplex=result,
    )


@dataclass
class TextChunks(Frames):
    """The frames of one streamed text completion: text as it comes, the run record at the end."""

    model: str
    drafts: Drafts = "none"
    id: str = field(default_factory=completion_id)
    created: int = field(default_factory=lambda: int(time.time()))
    think: Thinking = field(default_factory=Thinking)

    def _chunk(self, **fields: Any) -> str:
        return TextCompletion(id=self.id, created=self.created, model=self.model, **fields).frame()

    def content(self, text: str) -> str:
        return self._chunk(choices=[TextChoice(text=self.think.answer(text))])

    def done(self, record: PerspectiveRecord, events: bool) -> str:  # noqa: ARG002
        if self.drafts != "think":
            return ""
        return self._chunk(choices=[TextChoice(text=self.think.draft(draft_block(record)))])

    def finish(self, result: RunResult, include_usage: bool) -> list[str]:
        close = [self.content("")] if self.think.open else []
        last = TextChoice(text="", finish_reason=result.finish_reason)
        usage = usage_of(result) if include_usage else None
        return [*close, self._chunk(choices=[last], usage=usage, multiplex=result)]
