"""The one way multiplex calls a model: `LLM.generate()`, over litellm.

An `LLM` is built from the Settings it is handed and governs every call made through it: the
deadline (MULTIPLEX_TIMEOUT_S, retries included), the one retry layer (litellm's and the provider
SDK's own retries are off), the default max tokens, the backend pool (a litellm Router when
MULTIPLEX_ROUTER_CONFIG is set) and the options of the in-process providers. Every provider
failure is mapped in `failures`. A call that already streamed tokens is never retried: its text
is out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import litellm
import openai

from multiplex.errors import EmptyAnswer, MultiplexError, UpstreamTimeout
from multiplex.llm import fake, local
from multiplex.llm.capabilities import capabilities
from multiplex.llm.failures import backoff_s, provider_failure, retry_after_of
from multiplex.llm.inprocess import InProcessOptions
from multiplex.llm.router import CooldownHook, build_router, model_names, read_config
from multiplex.llm.stream import pieces, usage_of
from multiplex.llm.types import LOOP_HEADER, CallTag, Completion, GenerationParams, Usage
from multiplex.settings import Settings

log = logging.getLogger("multiplex.llm")

TokenSink = Callable[[str], Awaitable[None]]

try:  # the Router's "no deployment available" is not an openai error
    from litellm.types.router import RouterRateLimitError
except ImportError:  # pragma: no cover - older litellm
    RouterRateLimitError = ValueError  # type: ignore[misc,assignment]

PROVIDER_FAILURES = (openai.OpenAIError, httpx.HTTPError, RouterRateLimitError, MultiplexError)


def register_providers() -> None:
    """Make `local/` and `fake/` known to litellm (its custom provider map is process-wide)."""
    known = {entry["provider"] for entry in litellm.custom_provider_map}
    if {"local", "fake"} <= known:
        return
    litellm.custom_provider_map = [
        *(e for e in litellm.custom_provider_map if e["provider"] not in ("local", "fake")),
        {"provider": "local", "custom_handler": local.LocalProvider()},
        {"provider": "fake", "custom_handler": fake.FakeProvider()},
    ]
    litellm.suppress_debug_info = True
    logging.getLogger("LiteLLM").setLevel(logging.WARNING)


def _price_in_process(model: str) -> None:
    """In-process models cost nothing: say so once, so litellm's price lookup takes its fast path."""
    if capabilities(model).in_process and model not in litellm.model_cost:
        litellm.model_cost[model] = {
            "input_cost_per_token": 0.0,
            "output_cost_per_token": 0.0,
            "litellm_provider": model.split("/", 1)[0],
            "mode": "chat",
        }


class LLM:
    def __init__(self, settings: Settings, on_cooldown: CooldownHook | None = None) -> None:
        register_providers()
        self.settings = settings
        self.options = InProcessOptions.from_settings(settings).to_metadata()
        self.router: Any = None
        self.pool: set[str] = set()
        if settings.router_config is not None:
            config = read_config(settings.router_config)
            self.pool = model_names(config)
            self.router = build_router(config, settings.router_config, on_cooldown, settings.redis_url)

    def preload(self, models: set[str]) -> None:
        """Load the in-process models among `models` (the embedded model's weights) now."""
        if any(m.startswith("local/") for m in models):
            local.preload(InProcessOptions.from_settings(self.settings))

    def knows(self, model: str) -> bool:
        """A model this LLM can call: a litellm model string, or a name in its pool."""
        return "/" in model or model in self.pool

    def context_window(self, model: str) -> int | None:
        """Tokens the model reads at most, where known: the embedded model's context, litellm's
        model map for hosted models, else MULTIPLEX_CONTEXT_WINDOW (a server litellm does not know,
        a pool); None when none of these says."""
        if model.startswith("local/"):
            return self.settings.local_n_ctx
        if model.startswith("fake/"):
            return self.settings.context_window
        try:
            info: dict[str, Any] = dict(litellm.get_model_info(model)) if model not in self.pool else {}
        except Exception:  # litellm raises plain Exception for models it does not map
            info = {}
        window = info.get("max_input_tokens") or info.get("max_tokens") or self.settings.context_window
        return int(window) if window else None

    async def generate(
        self,
        model: str,
        messages: list[dict[str, Any]],
        params: GenerationParams,
        tag: CallTag,
        on_token: TokenSink | None = None,
        timeout_s: float | None = None,
    ) -> Completion:
        """One call within `timeout_s` (MULTIPLEX_TIMEOUT_S by default), retries included."""
        settings = self.settings
        _price_in_process(model)
        loop = asyncio.get_running_loop()
        limit = timeout_s or settings.timeout_s
        deadline = loop.time() + limit
        attempt = 0
        while True:
            attempt += 1
            streamed: list[str] = []  # the tokens this attempt already sent on
            remaining = deadline - loop.time()
            hint: float | None = None
            try:
                if capabilities(model).progress_deadline:  # a deadline on progress, not on the clock
                    call = self._call(model, messages, params, tag, on_token, limit, streamed)
                    return await local.within_progress(call, limit)
                async with asyncio.timeout(remaining):
                    return await self._call(model, messages, params, tag, on_token, remaining, streamed)
            except TimeoutError:
                what = "made no progress for" if capabilities(model).progress_deadline else "did not answer within"
                error: MultiplexError = UpstreamTimeout(f"{model} {what} {limit:g} s", provider_status=None)
            except PROVIDER_FAILURES as exc:
                error, hint = provider_failure(model, exc), retry_after_of(exc)
            if streamed or not error.retryable or attempt > settings.retries:
                raise error
            wait = backoff_s(attempt, hint)
            if loop.time() + wait >= deadline:
                raise error
            log.info(
                "%s call to %s failed (%s); retry %d of %d in %.2f s",
                tag.role,
                model,
                error.message,
                attempt,
                settings.retries,
                wait,
            )
            await asyncio.sleep(wait)

    async def _call(
        self,
        model: str,
        messages: list[dict[str, Any]],
        params: GenerationParams,
        tag: CallTag,
        on_token: TokenSink | None,
        timeout: float,
        parts: list[str],
    ) -> Completion:
        kwargs = params.litellm_kwargs()
        kwargs.setdefault("max_tokens", self.settings.max_tokens)
        pooled = model in self.pool
        call: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "metadata": {**tag.metadata(), **self.options},
            "timeout": timeout,
            "drop_params": True,
            "extra_headers": {LOOP_HEADER: "1"},  # a multiplex that receives it refuses the call
            "max_retries": 0,  # the provider SDK's retries
            **({} if pooled else {"num_retries": 0}),  # litellm's; a pool's are its failover
            **kwargs,
        }
        complete = self.router.acompletion if pooled else litellm.acompletion
        if on_token is None:
            response = await complete(**call)
            choice = response.choices[0]
            text = choice.message.content or ""
            _check_answered(model, text)
            return Completion(text, usage_of(getattr(response, "usage", None)), _finish(choice.finish_reason))
        stream = await complete(**call, stream=True, stream_options={"include_usage": True})
        usage = Usage()
        finish = None
        async for piece in pieces(stream):
            if piece.text:
                parts.append(piece.text)
                await on_token(piece.text)
            if piece.finish_reason:
                finish = _finish(piece.finish_reason)
            if piece.usage:
                usage = piece.usage
        if not parts and usage.completion_tokens == 0:  # not one token of an answer: it sent something else
            raise EmptyAnswer(f"{model} failed: the provider's stream held no answer", retryable=True)
        text = "".join(parts)
        _check_answered(model, text)
        return Completion(text, usage, finish or "stop")


def _check_answered(model: str, text: str) -> None:
    """A 200 with no text (or only white space) answers nothing: a failure of the call, which a
    retry may mend, never an empty draft or an empty answer."""
    if not text.strip():
        raise EmptyAnswer(f"{model} answered with no text", retryable=True)


def _finish(reason: str | None) -> str:
    return "length" if reason == "length" else "stop"
