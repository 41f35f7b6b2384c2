"""Every error multiplex raises on purpose, under two roots.

`ClientError` means the request was wrong and a retry with the same input cannot help (4xx);
`ServiceError` means something behind the request failed or is busy (5xx, or 429). The API maps
both to the OpenAI error envelope in one place (`multiplex.api.errors`); the CLI prints `message`.
`ConfigError`, an operator's mistake, belongs to neither: it stops start-up.

Each class also names the `failure` a perspective record reports when an agent's call ends in it.
"""

from __future__ import annotations

from typing import Literal

Failure = Literal[
    "timeout", "rate_limited", "upstream_error", "empty", "context_overflow", "invalid_request", "cancelled_late"
]


class MultiplexError(Exception):
    status_code = 500
    type = "internal_error"
    code: str | None = None
    retryable = False
    failure: Failure = "upstream_error"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code


class ClientError(MultiplexError):
    status_code = 400
    type = "invalid_request_error"
    failure: Failure = "invalid_request"


class InvalidRequest(ClientError):
    code = "invalid_value"


class ContextOverflow(ClientError):
    """The prompt and the answer it asks for do not fit the model's context."""

    code = "context_length_exceeded"
    failure: Failure = "context_overflow"


class ConfigError(MultiplexError):
    """A settings value, roster card, prompt template or model file is wrong: the operator's
    mistake, found at start-up. Should one surface while serving, it is the server's 500, which a
    client's retry cannot mend."""

    status_code = 500
    type = "server_error"
    code = "invalid_config"


class DataError(MultiplexError):
    """A bench run's data (a dataset, a question or viewpoint file, a fetched file), its arguments
    or its folder is wrong: the user's mistake, found by the CLI or the bench before or between
    runs, never by a request to the API."""

    type = "data_error"
    code = "invalid_data"


class AuthenticationFailed(ClientError):
    status_code = 401
    type = "authentication_error"
    code = "invalid_api_key"


class NotFound(ClientError):
    status_code = 404
    type = "not_found_error"
    code = "model_not_found"


class PayloadTooLarge(ClientError):
    status_code = 413
    code = "request_too_large"


class ServiceError(MultiplexError):
    status_code = 500
    type = "server_error"
    retryable = True


class RateLimited(ServiceError):
    status_code = 429
    type = "rate_limit_error"
    code = "rate_limit_exceeded"
    failure: Failure = "rate_limited"

    def __init__(self, message: str, *, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UpstreamRateLimited(RateLimited):
    """The model provider answered 429, and our own retries did not get past it."""

    code = "upstream_rate_limited"


class Overloaded(ServiceError):
    status_code = 503
    type = "overloaded_error"
    code = "overloaded"
    retry_after = 1.0


class ShuttingDown(ServiceError):
    """The server is stopping, and this run did not finish within its drain (MULTIPLEX_DRAIN_S)."""

    status_code = 503
    type = "server_error"
    code = "shutting_down"
    retry_after = 1.0


class QuorumNotMet(ServiceError):
    """Too few perspective agents answered for an honest synthesis."""

    status_code = 503
    type = "server_error"
    code = "quorum_not_met"
    retry_after = 5.0


class UpstreamError(ServiceError):
    """The model provider failed: it answered an error status, garbage, or not at all."""

    status_code = 502
    type = "upstream_error"
    code = "upstream_error"

    def __init__(self, message: str, *, retryable: bool | None = None, provider_status: int | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable
        self.provider_status = provider_status


class UpstreamTimeout(UpstreamError):
    status_code = 504
    code = "upstream_timeout"
    failure: Failure = "timeout"


class EmptyAnswer(UpstreamError):
    """The provider answered 200 with no text at all (or only white space)."""

    code = "upstream_empty_answer"
    failure: Failure = "empty"


class JudgeError(UpstreamError):
    """The LLM judge gave no valid answer, even after one retry."""

    code = "judge_invalid_output"
    retryable = False


class AnsweredLate(ServiceError):
    """A perspective agent still working when the grace after the quorum ran out: cancelled."""

    status_code = 504
    code = "answered_too_late"
    failure: Failure = "cancelled_late"
