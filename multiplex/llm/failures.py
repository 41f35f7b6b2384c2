"""A provider's failure, whatever litellm raised, as a multiplex error, and the retry policy.

Every class litellm raises carries the provider's HTTP status (or is a timeout): that status
decides. 429 stays a 429 (with the provider's Retry-After); a timeout is a 504; a prompt that
does not fit the model's context is the caller's 400; every other provider status is a 502 that
names it. Messages keep the provider's words, minus anything that looks like a credential.
"""

from __future__ import annotations

import random
import re
import time
from email.utils import parsedate_to_datetime
from typing import Any

import litellm
from litellm.exceptions import MidStreamFallbackError

from multiplex.errors import (
    ContextOverflow,
    MultiplexError,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamTimeout,
)

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
BACKOFF_BASE_S = 0.25
BACKOFF_CAP_S = 8.0
_CREDENTIAL = re.compile(
    r"\b(?:sk|pk|rk)[-_][A-Za-z0-9_\-*]{8,}"  # provider keys: sk-..., sk-proj-..., masked or not
    r"|\bbearer\s+[A-Za-z0-9._\-*/+]{5,}[A-Za-z0-9*]"  # a value ends on a letter, digit or mask, not a full stop
    r"|\b(?:api[-_]?key|key|token|secret|password)\s*[=:]\s*[\"']?[A-Za-z0-9._\-*/+]{5,}[A-Za-z0-9*]",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    return _CREDENTIAL.sub("[redacted]", text)


def _short(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    first = str(message).replace("litellm.", "").strip().splitlines()[0] if str(message).strip() else ""
    for prefix in ("APIConnectionError: ", "OpenAIException - ", "MidStreamFallbackError: "):
        first = first.replace(prefix, "")
    return redact(first)[:300] or type(exc).__name__


def _own_error(exc: BaseException) -> MultiplexError | None:
    """An error an in-process provider raised on purpose, found under litellm's wrapping."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, MultiplexError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def retry_after_of(exc: BaseException) -> float | None:
    """The provider's Retry-After (seconds or an HTTP date), if it sent one."""
    headers: Any = getattr(exc, "litellm_response_headers", None)
    response = getattr(exc, "response", None)
    if headers is None and response is not None:
        headers = getattr(response, "headers", None)
    value = headers.get("retry-after") if headers is not None else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def provider_failure(model: str, exc: BaseException) -> MultiplexError:
    own = _own_error(exc)
    if own is not None:
        return own
    if isinstance(exc, TimeoutError | litellm.Timeout):
        return UpstreamTimeout(f"{model} did not answer in time ({_short(exc)})", provider_status=408)
    if isinstance(exc, litellm.ContextWindowExceededError):
        return ContextOverflow(f"{model}: the conversation does not fit the model's context ({_short(exc)})")
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    if status == 429:
        retry_after = retry_after_of(exc)
        return UpstreamRateLimited(
            f"{model} is rate limited by its provider (HTTP 429): {_short(exc)}",
            retry_after=retry_after if retry_after is not None else 1.0,
        )
    if isinstance(exc, MidStreamFallbackError):  # litellm's 500, not the provider's
        return UpstreamError(f"{model}: the stream broke off mid-way: {_short(exc)}", retryable=True)
    if isinstance(exc, litellm.APIConnectionError) and status in (None, 500):
        return UpstreamError(f"{model} could not be reached or answered garbage: {_short(exc)}", provider_status=status)
    named = f"HTTP {status}" if status else type(exc).__name__
    return UpstreamError(
        f"{model} failed: the provider answered {named}: {_short(exc)}",
        retryable=status is None or status in RETRYABLE_STATUS,
        provider_status=status,
    )


def backoff_s(attempt: int, retry_after: float | None, rng: random.Random | None = None) -> float:
    """Wait before retry `attempt` (1 = the first retry): exponential with jitter, never less than
    the provider's Retry-After."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (attempt - 1))
    wait = ceiling * (0.5 + 0.5 * (rng or random).random())
    return max(wait, retry_after or 0.0)
