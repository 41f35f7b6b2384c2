"""What the in-process providers (local/, fake/) share: litellm's per-call bookkeeping, trimmed.

After every call litellm prices the response and builds a logging payload for its callbacks.
For a model running in this process the price is zero and, unless the user configured litellm
callbacks, nobody reads the payload; together they are most of the engine's per-call cost.
So these providers stamp the (zero) cost on the response and, when no litellm callback is set,
mark the call as logged. With callbacks configured, litellm logs as usual.
"""

from __future__ import annotations

from typing import Any

import litellm
from litellm import ModelResponse
from litellm.llms.custom_llm import CustomLLM


def _callbacks_configured() -> bool:
    return bool(litellm.callbacks or litellm.success_callback or litellm._async_success_callback)


class InProcessProvider(CustomLLM):
    def trim_bookkeeping(self, kwargs: dict[str, Any], response: ModelResponse | None = None) -> None:
        if response is not None:
            response._hidden_params["response_cost"] = 0.0
        logging_obj = kwargs.get("logging_obj")
        if logging_obj is not None and not _callbacks_configured():
            logging_obj.model_call_details["has_logged_async_success"] = True

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        raise NotImplementedError("multiplex calls models asynchronously")

    def streaming(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        raise NotImplementedError("multiplex calls models asynchronously")
