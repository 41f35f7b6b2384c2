"""POST /v1/responses, OpenAI's Responses protocol (inspect_ai's `openai/` provider, Responses
clients): `input` (a text or messages) and `instructions` in, output items out, streamed as the
typed events the openai SDK parses. A request is a chat completion in another shape; nothing is
stored, so a `previous_response_id` or a background run is a 400 naming the field."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, model_validator

from multiplex.api import render
from multiplex.api.protocol import MAX_TOKENS, ChatCompletionRequest, MultiplexOptions, as_chat, reject_invalid_unicode
from multiplex.errors import InvalidRequest
from multiplex.graph import PerspectiveRecord, RunResult
from multiplex.graph.record import RunRecord

_TEXT_PARTS = ("input_text", "output_text", "text")
_SKIPPED_ITEMS = ("reasoning",)  # a client replaying an earlier answer's reasoning: the drafts are not input


class InputPart(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["input_text", "output_text", "text"]
    text: str


class InputMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["message"] = "message"
    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[InputPart]


class TextFormat(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["text", "json_object", "json_schema"] = "text"
    name: str | None = None
    schema_: dict[str, Any] | None = Field(None, alias="schema")
    strict: bool | None = None


class TextOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    format: TextFormat | None = None


def _check_input(items: Any) -> Any:
    """Messages pass; replayed reasoning is left out; anything multiplex cannot read is a 400."""
    if not isinstance(items, list):
        return items
    kept = []
    for i, item in enumerate(items):
        kind = item.get("type", "message") if isinstance(item, dict) else None
        if kind in _SKIPPED_ITEMS:
            continue
        if kind != "message":
            raise InvalidRequest(
                f"input[{i}] is a '{kind}' item; multiplex reads messages only",
                param=f"input[{i}]",
                code="unsupported_content",
            )
        for j, part in enumerate(item.get("content") if isinstance(item.get("content"), list) else []):
            if not isinstance(part, dict) or part.get("type") not in _TEXT_PARTS:
                what = part.get("type") if isinstance(part, dict) else part
                raise InvalidRequest(
                    f"input[{i}].content[{j}] is '{what}'; multiplex reads text parts only",
                    param=f"input[{i}].content[{j}]",
                    code="unsupported_content",
                )
        kept.append(item)
    return kept


class ResponsesRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str
    input: str | list[InputMessage] = Field(description="the question, or the conversation as messages")
    instructions: str | None = Field(None, description="a system message before the input")
    max_output_tokens: StrictInt | None = Field(None, ge=1, le=MAX_TOKENS)
    temperature: StrictFloat | None = Field(None, ge=0, le=2)
    top_p: StrictFloat | None = Field(None, gt=0, le=1)
    stream: StrictBool = False
    text: TextOptions | None = Field(None, description="`format`: text, json_object or json_schema")
    metadata: dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=512)]] | None = Field(
        None, max_length=16
    )
    user: str | None = Field(None, max_length=256)
    store: bool | None = Field(None, description="accepted; multiplex stores no response")
    tools: list[dict[str, Any]] | None = Field(None, description="accepted; multiplex answers in text")
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    multiplex: MultiplexOptions = Field(default_factory=lambda: MultiplexOptions())

    @model_validator(mode="before")
    @classmethod
    def _reject_unsupported(cls, data: Any) -> Any:
        reject_invalid_unicode(data)
        if not isinstance(data, dict):
            return data
        if data.get("previous_response_id") is not None:
            raise InvalidRequest(
                "multiplex stores no responses: send the whole conversation in 'input'",
                param="previous_response_id",
                code="unsupported_parameter",
            )
        if data.get("background"):
            raise InvalidRequest(
                "background responses are not supported", param="background", code="unsupported_parameter"
            )
        if isinstance(data.get("input"), str) and not data["input"].strip():
            raise InvalidRequest("'input' is empty", param="input")
        return {**data, "input": _check_input(data.get("input"))}

    def to_chat(self) -> ChatCompletionRequest:
        messages: list[dict[str, Any]] = []
        if self.instructions:
            messages.append({"role": "system", "content": self.instructions})
        if isinstance(self.input, str):
            messages.append({"role": "user", "content": self.input})
        else:
            for item in self.input:
                content = item.content if isinstance(item.content, str) else "".join(p.text for p in item.content)
                messages.append({"role": item.role, "content": content})
        if not messages or messages[-1]["role"] != "user":
            raise InvalidRequest("'input' must end with a user message", param="input")
        chat = self.model_dump(
            include={"model", "temperature", "top_p", "stream", "metadata", "user", "tools", "tool_choice"},
            exclude_none=True,
        )
        fmt = self.text.format if self.text else None
        if fmt is not None and fmt.type == "json_schema":
            schema = {"name": fmt.name or "answer", "schema": fmt.schema_ or {}, "strict": bool(fmt.strict)}
            chat["response_format"] = {"type": "json_schema", "json_schema": schema}
        elif fmt is not None and fmt.type == "json_object":
            chat["response_format"] = {"type": "json_object"}
        return as_chat(
            {
                **chat,
                "messages": messages,
                "max_tokens": self.max_output_tokens,
                "multiplex": self.multiplex.model_dump(exclude_unset=True),
            }
        )


class OutputText(BaseModel):
    type: Literal["output_text"] = "output_text"
    text: str
    annotations: list[Any] = Field(default_factory=list)


class OutputMessage(BaseModel):
    type: Literal["message"] = "message"
    id: str
    status: Literal["in_progress", "completed", "incomplete"] = "completed"
    role: Literal["assistant"] = "assistant"
    content: list[OutputText] = Field(default_factory=list)


class SummaryText(BaseModel):
    type: Literal["summary_text"] = "summary_text"
    text: str


class ReasoningItem(BaseModel):
    """mas: the perspectives' drafts, as the answer's reasoning summary."""

    type: Literal["reasoning"] = "reasoning"
    id: str
    summary: list[SummaryText] = Field(default_factory=list)


class InputTokensDetails(BaseModel):
    cached_tokens: int = 0


class OutputTokensDetails(BaseModel):
    reasoning_tokens: int = 0


class ResponseUsage(BaseModel):
    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_tokens_details: InputTokensDetails = Field(default_factory=InputTokensDetails)
    output_tokens_details: OutputTokensDetails = Field(default_factory=OutputTokensDetails)


class IncompleteDetails(BaseModel):
    reason: Literal["max_output_tokens"] = "max_output_tokens"


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


class ResponseObject(BaseModel):
    id: str = Field(default_factory=lambda: _id("resp"))
    object: Literal["response"] = "response"
    created_at: int = Field(default_factory=lambda: int(time.time()))
    status: Literal["in_progress", "completed", "incomplete"] = "completed"
    model: str
    output: list[ReasoningItem | OutputMessage] = Field(default_factory=list)
    usage: ResponseUsage | None = Field(None, description="tokens of every model call of the run")
    incomplete_details: IncompleteDetails | None = None
    error: None = None
    instructions: None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    parallel_tool_calls: bool = False
    tool_choice: Literal["auto"] = "auto"
    tools: list[Any] = Field(default_factory=list)
    temperature: StrictFloat | None = None
    top_p: StrictFloat | None = None
    multiplex: RunRecord | None = Field(None, description="the run behind the answer")


def _usage(result: RunResult) -> ResponseUsage:
    usage = render.usage_of(result)
    return ResponseUsage(
        input_tokens=usage.prompt_tokens, output_tokens=usage.completion_tokens, total_tokens=usage.total_tokens
    )


def _status(result: RunResult) -> dict[str, Any]:
    if result.finish_reason == "length":
        return {"status": "incomplete", "incomplete_details": IncompleteDetails()}
    return {"status": "completed"}


def response(model: str, result: RunResult, drafts: render.Drafts) -> ResponseObject:
    shown = render.drafts_text(result) if drafts != "none" else None
    text = render.think(shown) + result.text if shown and drafts == "think" else result.text
    output: list[ReasoningItem | OutputMessage] = []
    if shown and drafts == "reasoning_content":
        output.append(ReasoningItem(id=_id("rs"), summary=[SummaryText(text=shown)]))
    message_status = "incomplete" if result.finish_reason == "length" else "completed"
    output.append(OutputMessage(id=_id("msg"), status=message_status, content=[OutputText(text=text)]))
    return ResponseObject(model=model, output=output, usage=_usage(result), multiplex=result, **_status(result))


@dataclass
class ResponseEvents(render.Frames):
    """The typed events of one streamed response: created; the drafts as a reasoning item (when
    they show there); the message, its text deltas and its end; completed (or incomplete), with
    the whole response and its run record."""

    model: str
    drafts: render.Drafts = "reasoning_content"
    response_id: str = field(default_factory=lambda: _id("resp"))
    created_at: int = field(default_factory=lambda: int(time.time()))
    sequence: int = 0
    output: list[ReasoningItem | OutputMessage] = field(default_factory=list)
    reasoning: ReasoningItem | None = None
    message: OutputMessage | None = None
    text: str = ""
    thinking: bool = False

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
        block = render.draft_block(record)
        if self.drafts == "think":
            opening = "" if self.thinking else "<think>\n"
            self.thinking = True
            return self._text(opening + block)
        if self.drafts != "reasoning_content":
            return ""
        frames = ""
        if self.reasoning is None:
            self.reasoning = ReasoningItem(id=_id("rs"), summary=[SummaryText(text="")])
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
            self.message = OutputMessage(id=_id("msg"), status="in_progress")
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
        if self.thinking:
            self.thinking = False
            text = "\n</think>\n\n" + text
        return self._text(text)

    def finish(self, result: RunResult, include_usage: bool) -> list[str]:  # noqa: ARG002
        frames = [self.content("")] if self.thinking or self.message is None else []
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
