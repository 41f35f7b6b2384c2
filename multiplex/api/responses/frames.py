"""A run as a response: the whole one, and the typed events of a streamed one."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from multiplex.api.frames import Drafts, Frames, Thinking, draft_block, usage_of, with_drafts
from multiplex.api.responses.protocol import (
    IncompleteDetails,
    OutputMessage,
    OutputText,
    ReasoningItem,
    ResponseObject,
    ResponseUsage,
    SummaryText,
    new_id,
)
from multiplex.graph import PerspectiveRecord, RunResult


def _usage(result: RunResult) -> ResponseUsage:
    usage = usage_of(result)
    return ResponseUsage(
        input_tokens=usage.prompt_tokens, output_tokens=usage.completion_tokens, total_tokens=usage.total_tokens
    )


def _status(result: RunResult) -> dict[str, Any]:
    if result.finish_reason == "length":
        return {"status": "incomplete", "incomplete_details": IncompleteDetails()}
    return {"status": "completed"}


def response(model: str, result: RunResult, drafts: Drafts) -> ResponseObject:
    text, shown = with_drafts(result, drafts)
    output: list[ReasoningItem | OutputMessage] = []
    if shown:
        output.append(ReasoningItem(id=new_id("rs"), summary=[SummaryText(text=shown)]))
    message_status = "incomplete" if result.finish_reason == "length" else "completed"
    output.append(OutputMessage(id=new_id("msg"), status=message_status, content=[OutputText(text=text)]))
    return ResponseObject(model=model, output=output, usage=_usage(result), multiplex=result, **_status(result))


@dataclass
class ResponseEvents(Frames):
    """The typed events of one streamed response: created; the drafts as a reasoning item (when
    they show there); the message, its text deltas and its end; completed (or incomplete), with
    the whole response and its run record."""

    model: str
    drafts: Drafts = "reasoning_content"
    response_id: str = field(default_factory=lambda: new_id("resp"))
    created_at: int = field(default_factory=lambda: int(time.time()))
    sequence: int = 0
    output: list[ReasoningItem | OutputMessage] = field(default_factory=list)
    reasoning: ReasoningItem | None = None
    message: OutputMessage | None = None
    text: str = ""
    think: Thinking = field(default_factory=Thinking)

    def _event(self, kind: str, **fields: Any) -> str:
        data = {"type": kind, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    def _response(self, **fields: Any) -> dict[str, Any]:
        shell = ResponseObject(id=self.response_id, created_at=self.created_at, model=self.model, **fields)
        return shell.model_dump(mode="json")

    def role(self) -> str:
        return self._event("response.created", response=self._response(status="in_progress"))

    def done(self, record: PerspectiveRecord, events: bool) -> str:  # noqa: ARG002
        block = draft_block(record)
        if self.drafts == "think":
            return self._text(self.think.draft(block))
        if self.drafts != "reasoning_content":
            return ""
        frames = ""
        if self.reasoning is None:
            self.reasoning = ReasoningItem(id=new_id("rs"), summary=[SummaryText(text="")])
            index = len(self.output)
            self.output.append(self.reasoning)
            frames += self._event("response.output_item.added", output_index=index, item=_dump(self.reasoning))
            frames += self._event(
                "response.reasoning_summary_part.added",
                item_id=self.reasoning.id,
                output_index=index,
                summary_index=0,
                part={"type": "summary_text", "text": ""},
            )
        self.reasoning.summary[0].text += block
        return frames + self._event(
            "response.reasoning_summary_text.delta",
            item_id=self.reasoning.id,
            output_index=self.output.index(self.reasoning),
            summary_index=0,
            delta=block,
        )

    def _close_reasoning(self) -> str:
        if self.reasoning is None or self.reasoning not in self.output:
            return ""
        index, item, text = self.output.index(self.reasoning), self.reasoning, self.reasoning.summary[0].text
        where = {"item_id": item.id, "output_index": index, "summary_index": 0}
        frames = self._event("response.reasoning_summary_text.done", **where, text=text)
        frames += self._event("response.reasoning_summary_part.done", **where, part=_dump(item.summary[0]))
        self.reasoning = None  # closed; it stays in the output
        return frames + self._event("response.output_item.done", output_index=index, item=_dump(item))

    def _text(self, delta: str) -> str:
        frames = self._close_reasoning()
        if self.message is None:
            self.message = OutputMessage(id=new_id("msg"), status="in_progress")
            self.output.append(self.message)
            where = {"output_index": len(self.output) - 1}
            frames += self._event("response.output_item.added", **where, item=_dump(self.message))
            frames += self._event(
                "response.content_part.added", item_id=self.message.id, **where, content_index=0, part=_part("")
            )
        self.text += delta
        return frames + self._event(
            "response.output_text.delta",
            item_id=self.message.id,
            output_index=self.output.index(self.message),
            content_index=0,
            delta=delta,
            logprobs=[],
        )

    def content(self, text: str) -> str:
        return self._text(self.think.answer(text))

    def finish(self, result: RunResult, include_usage: bool) -> list[str]:  # noqa: ARG002
        frames = [self.content("")] if self.think.open or self.message is None else []
        assert self.message is not None
        index = self.output.index(self.message)
        where = {"item_id": self.message.id, "output_index": index, "content_index": 0}
        self.message.content = [OutputText(text=self.text)]
        self.message.status = "incomplete" if result.finish_reason == "length" else "completed"
        frames.append(self._event("response.output_text.done", **where, text=self.text, logprobs=[]))
        frames.append(self._event("response.content_part.done", **where, part=_part(self.text)))
        frames.append(self._event("response.output_item.done", output_index=index, item=_dump(self.message)))
        whole = self._response(output=self.output, usage=_usage(result), multiplex=result, **_status(result))
        kind = "response.incomplete" if whole["status"] == "incomplete" else "response.completed"
        frames.append(self._event(kind, response=whole))
        return frames


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def _part(text: str) -> dict[str, Any]:
    return _dump(OutputText(text=text))
