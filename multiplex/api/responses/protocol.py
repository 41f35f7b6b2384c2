"""POST /v1/responses, OpenAI's Responses protocol (inspect_ai's `openai/` provider, Responses
clients): `input` (a text or messages) and `instructions` in, output items out, streamed as the
typed events the openai SDK parses. A request is a chat completion in another shape; nothing is
stored, so a `previous_response_id` or a background run is a 400 naming the field."""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, model_validator

from multiplex.api.chat.protocol import ChatCompletionRequest, as_chat
from multiplex.api.protocol import MAX_TOKENS, MultiplexOptions, reject_invalid_unicode, reject_unsupported
from multiplex.errors import InvalidRequest
from multiplex.graph.record import RunRecord

_TEXT_PARTS = ("input_text", "output_text", "text")
_SKIPPED_ITEMS = ("reasoning",)  # a client replaying an earlier answer's reasoning: the drafts are not input
_UNSUPPORTED: dict[str, Any] = {"previous_response_id": None, "background": False}
_WHY = {
    "previous_response_id": "multiplex stores no responses: send the whole conversation in 'input'",
    "background": "background responses are not supported",
}


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
        reject_unsupported(data, _UNSUPPORTED, _WHY)
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


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


class ResponseObject(BaseModel):
    id: str = Field(default_factory=lambda: new_id("resp"))
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
