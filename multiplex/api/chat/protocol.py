"""POST /v1/chat/completions: the request (fields in the order OpenAI documents them, plus the
`multiplex` extension; fields multiplex cannot honour are refused by name), the answer, and the
chunks of a streamed one. Every other protocol asks its question as a chat request (`as_chat`)."""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any, Literal

from fastapi.exceptions import RequestValidationError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from multiplex.api.frames import sse_data
from multiplex.api.protocol import (
    MAX_TOKENS,
    MultiplexOptions,
    StreamOptions,
    reject_invalid_unicode,
    reject_unsupported,
)
from multiplex.errors import InvalidRequest
from multiplex.graph.analysis import Analysis
from multiplex.graph.record import PerspectiveRecord, RunRecord
from multiplex.llm.types import Usage


class TextPart(BaseModel):
    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart] | None = None
    name: str | None = None


class ResponseFormat(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["text", "json_object", "json_schema"]


# Parameters a client may send but multiplex cannot honour: (name, value that is harmless).
_UNSUPPORTED: dict[str, Any] = {
    "n": 1,
    "logprobs": False,
    "top_logprobs": None,
    "audio": None,
    "prediction": None,
    "web_search_options": None,
    "logit_bias": None,
}


# `tools` (and the legacy `functions`) are accepted the way an OpenAI model accepts them: the model
# may always answer in text instead of calling a tool, and multiplex always does. Only a request
# that forces a call cannot be honoured.
_TOOL_CHOICES_ANSWERED_IN_TEXT = (None, "auto", "none")


_MEDIA = {"image_url": "an image", "input_audio": "audio", "file": "a file", "refusal": "a refusal"}


def _reject_media(messages: Any) -> None:
    """A content part multiplex cannot read is a 400 that names it, not a generic type error."""
    if not isinstance(messages, list):
        return
    for i, message in enumerate(messages):
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        for j, part in enumerate(content):
            kind = part.get("type") if isinstance(part, dict) else None
            if kind != "text":
                what = _MEDIA.get(str(kind), f"a '{kind}' part")
                raise InvalidRequest(
                    f"messages[{i}].content[{j}] is {what}; multiplex reads text parts only",
                    param=f"messages[{i}].content[{j}]",
                    code="unsupported_content",
                )


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    messages: list[ChatMessage] = Field(min_length=1)
    model: str
    frequency_penalty: StrictFloat | None = Field(None, ge=-2, le=2)
    function_call: str | dict[str, Any] | None = Field(None, description="'auto' or 'none' (legacy)")
    functions: list[dict[str, Any]] | None = Field(None, description="accepted; answered in text (legacy)")
    max_completion_tokens: StrictInt | None = Field(None, ge=1, le=MAX_TOKENS)
    max_tokens: StrictInt | None = Field(None, ge=1, le=MAX_TOKENS)
    metadata: dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=512)]] | None = Field(
        None, max_length=16, description="up to 16 pairs, keys up to 64 characters, values up to 512 (as OpenAI)"
    )
    parallel_tool_calls: bool | None = None
    presence_penalty: StrictFloat | None = Field(None, ge=-2, le=2)
    response_format: ResponseFormat | None = None
    seed: StrictInt | None = Field(None, ge=-(2**63), lt=2**63)
    stop: str | list[str] | None = None
    stream: StrictBool = False
    stream_options: StreamOptions | None = None
    temperature: StrictFloat | None = Field(None, ge=0, le=2)
    tool_choice: str | dict[str, Any] | None = Field(None, description="'auto' or 'none'")
    tools: list[dict[str, Any]] | None = Field(None, description="accepted; multiplex answers in text")
    top_p: StrictFloat | None = Field(None, gt=0, le=1)
    user: str | None = Field(None, max_length=256)
    multiplex: MultiplexOptions = Field(default_factory=lambda: MultiplexOptions())

    @model_validator(mode="before")
    @classmethod
    def _reject_unsupported(cls, data: Any) -> Any:
        reject_invalid_unicode(data)
        if isinstance(data, dict):
            _reject_media(data.get("messages"))
            reject_unsupported(data, _UNSUPPORTED)
            for name in ("tool_choice", "function_call"):
                if data.get(name) not in _TOOL_CHOICES_ANSWERED_IN_TEXT:
                    raise InvalidRequest(
                        f"'{name}' forces a tool call, and multiplex answers in text only: "
                        "send it as 'auto' or 'none', or leave it out",
                        param=name,
                        code="unsupported_parameter",
                    )
        return data

    @field_validator("stop")
    @classmethod
    def _stop_list(cls, value: str | list[str] | None) -> list[str] | None:
        if isinstance(value, str):
            value = [value]
        if value is not None and len(value) > 4:
            raise ValueError("at most 4 stop sequences")
        return value


class ChoiceMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    reasoning_content: str | None = Field(None, description="mas: the perspectives' drafts (the answer's reasoning)")
    refusal: None = None


class Choice(BaseModel):
    index: int = 0
    message: ChoiceMessage
    logprobs: None = None
    finish_reason: Literal["stop", "length"] = "stop"  # "length": max_tokens cut the answer


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


class ChatCompletion(BaseModel):
    id: str = Field(default_factory=completion_id)
    object: Literal["chat.completion"] = "chat.completion"
    created: int = Field(default_factory=lambda: int(time.time()))
    model: str
    choices: list[Choice]
    usage: Usage = Field(description="tokens of every model call of the run: what a bill counts")
    system_fingerprint: str | None = None
    multiplex: RunRecord = Field(description="the run behind the answer: perspectives, synthesis, calls, scores")


# Streaming: `data: <ChatCompletionChunk>` frames, then `data: [DONE]`.


class Delta(BaseModel):
    """What a chunk adds; fields it does not carry are left out of the frame."""

    role: Literal["assistant"] | None = None
    content: str | None = None
    reasoning_content: str | None = Field(None, description="mas: a perspective's finished draft")


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    logprobs: None = None
    finish_reason: Literal["stop", "length"] | None = None


class PerspectiveRef(BaseModel):
    id: str
    name: str | None = None


class PerspectiveEvent(BaseModel):
    """A perspective agent's progress, on a chunk of its own while the agents run."""

    event: Literal["perspective_started", "perspective_delta", "perspective_done"]
    perspective: PerspectiveRecord | PerspectiveRef = Field(
        description="started and delta: the id (and name); done: the whole record"
    )
    text: str | None = Field(None, description="perspective_delta: the draft's next tokens")


class AnalysisEvent(BaseModel):
    """The structured analysis of a mas answer, on a chunk of its own before the finishing one."""

    event: Literal["analysis"] = "analysis"
    analysis: Analysis


class ChatCompletionChunk(BaseModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice] = Field(default_factory=list)
    usage: Usage | None = Field(None, description="the last chunk, when stream_options.include_usage")
    multiplex: RunRecord | PerspectiveEvent | AnalysisEvent | None = Field(
        None, description="a perspective event, the analysis, or on the finishing chunk the run record"
    )

    def frame(self) -> str:
        """The SSE frame: absent fields left out, as OpenAI's own chunks do."""
        data = self.model_dump(mode="json")
        for choice in data["choices"]:
            choice["delta"] = {k: v for k, v in choice["delta"].items() if v is not None}
        return sse_data(data)


def as_chat(data: dict[str, Any]) -> ChatCompletionRequest:
    """Another protocol's request (completions, responses) as the chat completion it asks for; what
    the chat request refuses is a 400 like any invalid body, never a 500."""
    try:
        return ChatCompletionRequest.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
