"""OpenAI protocol models, fields in the order OpenAI documents them, plus the `multiplex`
extensions of DESIGN.md. Fields multiplex cannot honour are rejected here, by name."""

from __future__ import annotations

import json
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

from multiplex.errors import InvalidRequest
from multiplex.graph.analysis import Analysis
from multiplex.graph.record import PerspectiveRecord, RunRecord
from multiplex.llm.types import Usage
from multiplex.scoring.viewpoints import Viewpoint


class TextPart(BaseModel):
    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart] | None = None
    name: str | None = None


def reject_invalid_unicode(data: Any, path: str = "") -> None:
    """JSON may carry a lone surrogate ("\\ud800"): valid JSON, but no text. Refused here, naming
    where, before it reaches a model or a log."""
    if isinstance(data, str):
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidRequest(
                f"{path or 'the request'} holds invalid Unicode (a lone surrogate)", param=path or None
            ) from None
    elif isinstance(data, dict):
        for key, value in data.items():
            reject_invalid_unicode(key, path)
            reject_invalid_unicode(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            reject_invalid_unicode(value, f"{path}[{i}]")


class StreamOptions(BaseModel):
    include_usage: bool = False


class ResponseFormat(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["text", "json_object", "json_schema"]


class MultiplexOptions(BaseModel):
    """The request extension: `extra_body={"multiplex": {...}}` in the openai SDK."""

    model_config = ConfigDict(extra="forbid")

    perspectives: list[str] | None = Field(None, description="perspective ids taking part (mas)")
    models: dict[str, str] | None = Field(
        None, description="perspective id -> the model its agent uses for this request (MULTIPLEX_ALLOWED_MODELS)"
    )
    synthesizer_model: str | None = Field(None, description="the model that writes the answer (mas)")
    expose_drafts: Literal["reasoning_content", "think", "none"] | None = Field(
        None,
        description="where the drafts go: reasoning_content, inside <think>...</think> before the answer, or "
        "nowhere (default: MULTIPLEX_EXPOSE_DRAFTS)",
    )
    score: bool = Field(True, description="score the answer and return `multiplex.scores`")
    stream_perspectives: bool = Field(
        True, description="stream the perspectives' progress events; false also hides the drafts unless expose_drafts"
    )
    cache: bool | None = Field(None, description="false: do not answer from the answer cache, nor store in it")


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


MAX_TOKENS = 1_000_000  # more than any model's context: a larger value is a mistake
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
            for name, harmless in _UNSUPPORTED.items():
                value = data.get(name)
                if value is not None and value != harmless and value != []:
                    raise InvalidRequest(
                        f"'{name}' is not supported by multiplex", param=name, code="unsupported_parameter"
                    )
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
        for name in ("usage", "multiplex"):
            if data[name] is None:
                del data[name]
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def as_chat(data: dict[str, Any]) -> ChatCompletionRequest:
    """Another protocol's request (completions, responses) as the chat completion it asks for; what
    the chat request refuses is a 400 like any invalid body, never a 500."""
    try:
        return ChatCompletionRequest.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None


class ServedModelInfo(BaseModel):
    mode: str
    perspective: str | None = None
    name: str | None = Field(None, description="a perspective's display name")
    model: str = Field(description="the model behind it: a litellm model string or a Router model name")
    options: list[str] = Field(
        default_factory=list,
        description="the fields of the request extension `multiplex` this model reads (MultiplexOptions)",
    )
    choosable_models: list[str] = Field(
        default_factory=list, description="mas: the models a request may name in multiplex.models / synthesizer_model"
    )
    demo: bool = Field(
        False, description="the model behind it is a small demonstration model, whose own sentences are illustrative"
    )


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "multiplex"
    description: str
    multiplex: ServedModelInfo


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = None
    texts: list[str] | None = Field(None, max_length=1000)
    drafts: dict[str, str] | None = Field(
        None, description="perspective id -> the draft behind `text`: adds the synthesis metrics"
    )
    judge: str | None = None
    sources: bool = Field(False, description="check the quotations against the roster's sources: adds `grounding`")
    mask: bool = Field(
        False, description="adds `masked`: the text with every tradition's names, terms and works' titles hidden"
    )
    viewpoints: list[Annotated[str, Field(min_length=1)] | Viewpoint] | None = Field(
        None,
        max_length=200,
        description="people's viewpoints on the question (strings or {text, stance}): adds `viewpoints`",
    )

    @model_validator(mode="before")
    @classmethod
    def _valid_unicode(cls, data: Any) -> Any:
        reject_invalid_unicode(data)
        return data

    @model_validator(mode="after")
    def _one_of(self) -> ScoreRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of 'text' or 'texts'")
        if self.drafts is not None and self.text is None:
            raise ValueError("'drafts' go with one 'text'")
        if self.viewpoints is not None and not self.viewpoints:
            raise ValueError("'viewpoints' needs at least one viewpoint")
        return self


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text}
    for code, text in {
        400: "invalid request",
        401: "missing or invalid API key",
        404: "unknown model or route",
        413: "request body too large",
        429: "rate limit reached",
        500: "internal error",
        502: "model provider failed",
        503: "overloaded or below quorum",
        504: "model provider timed out",
    }.items()
}
