"""The one way multiplex calls a model: `generate()`, over litellm's `acompletion`.

It owns timeouts and retries (litellm's and the provider SDK's own retries are switched off, so
there is one retry layer), maps provider exceptions to multiplex errors, and streams tokens to an
optional callback. A call that already streamed tokens is never retried: its text is out.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm  # noqa: E402

from multiplex.errors import UpstreamError, UpstreamTimeout  # noqa: E402
from multiplex.llm.types import CallTag, Completion, GenerationParams, Usage  # noqa: E402
from multiplex.settings import get_settings  # noqa: E402

log = logging.getLogger("multiplex.llm")

TokenSink = Callable[[str], Awaitable[None]]

_RETRYABLE = (
    litellm.Timeout,
    litellm.APIConnectionError,
    litellm.RateLimitError,
    litellm.ServiceUnavailableError,
    litellm.InternalServerError,
)


def _configure_litellm() -> None:
    from multiplex.llm import fake, local

    litellm.custom_provider_map = [
        {"provider": "local", "custom_handler": local.LocalProvider()},
        {"provider": "fake", "custom_handler": fake.FakeProvider()},
    ]
    litellm.suppress_debug_info = True
    litellm.telemetry = False
    litellm.drop_params = True
    logging.getLogger("LiteLLM").setLevel(logging.WARNING)


_configure_litellm()


IN_PROCESS = ("local/", "fake/")


def _price_in_process(model: str) -> None:
    """In-process models cost nothing: say so once, so litellm's price lookup takes its fast path."""
    if model.startswith(IN_PROCESS) and model not in litellm.model_cost:
        provider = model.split("/", 1)[0]
        litellm.model_cost[model] = {
            "input_cost_per_token": 0.0,
            "output_cost_per_token": 0.0,
            "litellm_provider": provider,
            "mode": "chat",
        }


async def generate(
    model: str,
    messages: list[dict[str, Any]],
    params: GenerationParams,
    tag: CallTag,
    on_token: TokenSink | None = None,
) -> Completion:
    settings = get_settings()
    _price_in_process(model)
    attempts = settings.retries + 1
    for attempt in range(1, attempts + 1):
        streamed = False

        async def sink(token: str) -> None:
            nonlocal streamed
            streamed = True
            assert on_token is not None
            await on_token(token)

        try:
            async with asyncio.timeout(settings.timeout_s):
                return await _call(model, messages, params, tag, sink if on_token else None)
        except TimeoutError:
            error: Exception = UpstreamTimeout(f"{model} did not answer within {settings.timeout_s:g} s")
        except _RETRYABLE as exc:
            error = UpstreamError(f"{model} failed: {_describe(exc)}")
        except litellm.exceptions.APIError as exc:  # non-retryable provider answer (4xx)
            raise UpstreamError(f"{model} refused the call: {_describe(exc)}") from None
        if streamed or attempt == attempts:
            raise error
        log.info("retrying %s call (%s), attempt %d of %d", tag.role, error, attempt + 1, attempts)
    raise AssertionError("unreachable")


async def _call(
    model: str,
    messages: list[dict[str, Any]],
    params: GenerationParams,
    tag: CallTag,
    on_token: TokenSink | None,
) -> Completion:
    kwargs = params.litellm_kwargs()
    kwargs.setdefault("max_tokens", get_settings().max_tokens)
    common = {
        "model": model,
        "messages": messages,
        "metadata": tag.metadata(),
        "num_retries": 0,
        "max_retries": 0,
        **kwargs,
    }
    if on_token is None:
        response = await litellm.acompletion(**common)
        text = response.choices[0].message.content or ""
        return Completion(text, _usage(getattr(response, "usage", None)))
    stream = await litellm.acompletion(**common, stream=True, stream_options={"include_usage": True})
    parts: list[str] = []
    usage = Usage()
    async for chunk in stream:
        if chunk.choices:
            delta = chunk.choices[0].delta.content
            if delta:
                parts.append(delta)
                await on_token(delta)
        chunk_usage = getattr(chunk, "usage", None)
        if chunk_usage:
            usage = _usage(chunk_usage)
    return Completion("".join(parts), usage)


def _usage(raw: Any) -> Usage:
    if not raw:
        return Usage()
    return Usage(int(getattr(raw, "prompt_tokens", 0) or 0), int(getattr(raw, "completion_tokens", 0) or 0))


def _describe(exc: Exception) -> str:
    """A short description without stack traces or object addresses."""
    message = getattr(exc, "message", None) or str(exc)
    message = message.replace("litellm.", "").splitlines()[0] if message else type(exc).__name__
    return message[:300]
