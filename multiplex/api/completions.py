"""POST /v1/completions, the legacy text protocol (lm-eval's `local-completions`, openai/evals):
a `prompt` in, text out. A prompt is one user message of a chat completion; what the legacy
protocol has and multiplex cannot honour (logprobs, echo, several choices, a suffix) is a 400
naming the field."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, field_validator, model_validator

from multiplex.api import render
from multiplex.api.protocol import (
    MAX_TOKENS,
    ChatCompletionRequest,
    MultiplexOptions,
    StreamOptions,
    as_chat,
    reject_invalid_unicode,
)
from multiplex.errors import InvalidRequest
from multiplex.graph import PerspectiveRecord, RunResult
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
        if isinstance(data, dict):
            for name, harmless in _UNSUPPORTED.items():
                value = data.get(name)
                if value is not None and value != harmless:
                    raise InvalidRequest(
                        f"'{name}' is not supported by multiplex", param=name, code="unsupported_parameter"
                    )
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


def _completion_id() -> str:
    return f"cmpl-{uuid.uuid4().hex[:24]}"


class TextCompletion(BaseModel):
    id: str = Field(default_factory=_completion_id)
    object: Literal["text_completion"] = "text_completion"
    created: int = Field(default_factory=lambda: int(time.time()))
    model: str
    choices: list[TextChoice]
    usage: Usage | None = Field(None, description="every model call's tokens (streamed: with include_usage)")
    multiplex: RunRecord | None = Field(None, description="the run behind the answer (streamed: on the last chunk)")

    def frame(self) -> str:
        data = self.model_dump(mode="json")
        for name in ("usage", "multiplex"):
            if data[name] is None:
                del data[name]
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def completion(model: str, result: RunResult, drafts: render.Drafts) -> TextCompletion:
    """The whole answer as text; drafts shown only inside <think> (the text protocol has no other place)."""
    shown = render.drafts_text(result) if drafts == "think" else None
    text = render.think(shown) + result.text if shown else result.text
    return TextCompletion(
        model=model,
        choices=[TextChoice(text=text, finish_reason=result.finish_reason)],
        usage=render.usage_of(result),
        multiplex=result,
    )


@dataclass
class TextChunks(render.Frames):
    """The frames of one streamed text completion: text as it comes, the run record at the end."""

    model: str
    drafts: render.Drafts = "none"
    id: str = field(default_factory=_completion_id)
    created: int = field(default_factory=lambda: int(time.time()))
    thinking: bool = False

    def _chunk(self, **fields: Any) -> str:
        return TextCompletion(id=self.id, created=self.created, model=self.model, **fields).frame()

    def content(self, text: str) -> str:
        if self.thinking:
            self.thinking = False
            text = "\n</think>\n\n" + text
        return self._chunk(choices=[TextChoice(text=text)])

    def done(self, record: PerspectiveRecord, events: bool) -> str:  # noqa: ARG002
        if self.drafts != "think":
            return ""
        opening = "" if self.thinking else "<think>\n"
        self.thinking = True
        return self._chunk(choices=[TextChoice(text=opening + render.draft_block(record))])

    def finish(self, result: RunResult, include_usage: bool) -> list[str]:
        close = [self.content("")] if self.thinking else []
        last = TextChoice(text="", finish_reason=result.finish_reason)
        usage = render.usage_of(result) if include_usage else None
        return [*close, self._chunk(choices=[last], usage=usage, multiplex=result)]
