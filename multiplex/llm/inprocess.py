"""What the in-process providers (local/, fake/) share: their options, handed down per call, and
litellm's per-call bookkeeping, trimmed.

litellm's custom provider map is process-wide, so a provider instance cannot hold one app's
settings. Instead every call carries the options of the `LLM` that made it in its litellm
`metadata` (which remote providers never receive).

After every call litellm prices the response and builds a logging payload for its callbacks.
For a model running in this process the price is zero and, unless the user configured litellm
callbacks, nobody reads the payload; together they are most of the engine's per-call cost.
So these providers stamp the (zero) cost on the response and, when no litellm callback is set,
mark the call as logged. With callbacks configured, litellm logs as usual.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import litellm
from litellm import ModelResponse
from litellm.llms.custom_llm import CustomLLM

from multiplex.settings import Settings

__all__ = ["InProcessOptions", "InProcessProvider"]
_KEY = "multiplex_options"


@dataclass(frozen=True)
class InProcessOptions:
    local_model_path: str | None = None
    local_n_ctx: int = 8192
    local_threads: int = 1
    local_parallel: int = 8
    fake_latency_ms: float = 0.0
    fake_fail: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> InProcessOptions:
        return cls(
            local_model_path=str(settings.local_model_path) if settings.local_model_path else None,
            local_n_ctx=settings.local_n_ctx,
            local_threads=settings.threads,
            local_parallel=settings.local_parallel,
            fake_latency_ms=settings.fake_latency_ms,
            fake_fail=tuple(settings.fake_fail),
        )

    def to_metadata(self) -> dict[str, Any]:
        return {_KEY: asdict(self)}

    @classmethod
    def of_call(cls, kwargs: dict[str, Any]) -> InProcessOptions:
        metadata = (kwargs.get("litellm_params") or {}).get("metadata") or {}
        values = metadata.get(_KEY)
        if not values:
            return cls()
        return cls(**{**values, "fake_fail": tuple(values.get("fake_fail") or ())})


def call_metadata(kwargs: dict[str, Any]) -> dict[str, Any]:
    return (kwargs.get("litellm_params") or {}).get("metadata") or {}


def callbacks_configured() -> bool:
    """Whether the user configured litellm callbacks (which read litellm's per-call bookkeeping)."""
    return bool(litellm.callbacks or litellm.success_callback or litellm._async_success_callback)


class InProcessProvider(CustomLLM):
    def trim_bookkeeping(self, kwargs: dict[str, Any], response: ModelResponse | None = None) -> None:
        if response is not None:
            response._hidden_params["response_cost"] = 0.0
        logging_obj = kwargs.get("logging_obj")
        if logging_obj is not None and not callbacks_configured():
            logging_obj.model_call_details["has_logged_async_success"] = True

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        raise NotImplementedError("multiplex calls models asynchronously")

    def streaming(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("multiplex calls models asynchronously")
