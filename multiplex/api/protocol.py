"""What every endpoint's protocol shares: the `multiplex` request extension, the refusals of
what multiplex cannot honour (a field by name, invalid Unicode), and the error envelope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from multiplex.errors import InvalidRequest

MAX_TOKENS = 1_000_000  # more than any model's context: a larger value is a mistake


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


def reject_unsupported(data: Any, unsupported: Mapping[str, Any], why: Mapping[str, str] | None = None) -> None:
    """A field multiplex cannot honour, sent with a value that matters (anything but its harmless
    value, None or an empty list), is a 400 naming it; `why` says more than "not supported"."""
    if not isinstance(data, dict):
        return
    for name, harmless in unsupported.items():
        value = data.get(name)
        if value is not None and value != harmless and value != []:
            message = (why or {}).get(name, f"'{name}' is not supported by multiplex")
            raise InvalidRequest(message, param=name, code="unsupported_parameter")


class StreamOptions(BaseModel):
    include_usage: bool = False


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
