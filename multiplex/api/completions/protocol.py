"""POST /v1/completions, the legacy text protocol (lm-eval's `local-completions`, openai/evals):
a `prompt` in, text out. A prompt is one user message of a chat completion; what the legacy
protocol has and multiplex cannot honour (logprobs, echo, several choices, a suffix) is a 400
naming the field."""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, field_validator, model_validator

from multiplex.api.chat.protocol import ChatCompletionRequest, as_chat
from multiplex.api.frames import sse_data
from multiplex.api.protocol import (
    MAX_TOKENS,
    MultiplexOptions,
    StreamOptions,
    reject_invalid_unicode,
    reject_unsupported,
)
from multiplex.errors import InvalidRequest
from multiplex.graph.record import RunRecord
from multiplex.llm import Usage

_UNSUPPORTED: dict[str, Any] = {
    "n": 1,
    "best_of": 1,
    "logprobs": None,
    "echo": False,
    "suffix": None,
    "logit_bias": None,
}


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str
    prompt: str | list[str] = Field(description="the text to continue; a list must hold exactly one prompt")
    max_tokens: StrictInt | None = Field(None, ge=1, le=MAX_TOKENS)
    temperature: StrictFloat | None = Field(None, ge=0, le=2)
    top_p: StrictFloat | None = Field(None, gt=0, le=1)
    stop: str | list[str] | None = None
    seed: StrictInt | None = Field(None, ge=-(2**63), lt=2**63)
    stream: StrictBool = False
    stream_options: StreamOptions | None = None
    frequency_penalty: StrictFloat | None = Field(None, ge=-2, le=2)
    presence_penalty: StrictFloat | None = Field(None, ge=-2, le=2)
    user: str | None = Field(None, max_length=256)
    multiplex: MultiplexOptions = Field(default_factory=lambda: MultiplexOptions())

    @model_validator(mode="before")
    @classmethod
    def _reject_unsupported(cls, data: Any) -> Any:
        reject_invalid_unicode(data)
        reject_unsupported(data, _UNSUPPORTED)
        if isinstance(data, dict):
            prompt = data.get("prompt")
            if isinstance(prompt, list) and len(prompt) != 1:
                raise InvalidRequest(
                    "'prompt' must be one text (a list of several prompts is a batch multiplex does not run)",
                    param="prompt",
                    code="unsupported_parameter",
                )
        return data

    @field_validator("prompt")
    @classmethod
    def _one_text(cls, value: str | list[str]) -> str | list[str]:
        text = value[0] if isinstance(value, list) else value
        if not text.strip():
            raise ValueError("'prompt' is empty")
        return value

    def to_chat(self) -> ChatCompletionRequest:
        prompt = self.prompt[0] if isinstance(self.prompt, list) else self.prompt
        return as_chat(
            {
                **self.model_dump(exclude={"prompt"}, exclude_none=True, exclude_unset=True),
                "messages": [{"role": "user", "content": prompt}],
            }
        )


class TextChoice(BaseModel):
    index: int = 0
    text: str
    logprobs: None = None
    finish_reason: Literal["stop", "length"] | None = None


def completion_id() -> str:
    return f"cmpl-{uuid.uuid4().hex[:24]}"


class TextCompletion(BaseModel):
    id: str = Field(default_factory=completion_id)
    object: Literal["text_completion"] = "text_completion"
    created: int = Field(default_factory=lambda: int(time.time()))
    model: str
    choices: list[TextChoice]
    usage: Usage | None = Field(None, description="every model call's tokens (streamed: with include_usage)")
    multiplex: RunRecord | None = Field(None, description="the run behind the answer (streamed: on the last chunk)")

    def frame(self) -> str:
        return sse_data(self.model_dump(mode="json"))
