"""The one mapper from exceptions to the OpenAI error envelope.

    {"error": {"message": ..., "type": ..., "param": ..., "code": ...}}

Validation errors are 400 (not FastAPI's 422); anything unexpected is a 500 whose message names
the request id, never a stack trace or an object address.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from multiplex.errors import MultiplexError, RateLimited

log = logging.getLogger("multiplex.api")

_HTTP_TYPES = {
    400: ("invalid_request_error", "invalid_value"),
    401: ("authentication_error", "invalid_api_key"),
    404: ("not_found_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    413: ("invalid_request_error", "request_too_large"),
}


def envelope(message: str, type_: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def error_headers(exc: MultiplexError) -> dict[str, str]:
    headers = {"x-should-retry": "true" if exc.retryable else "false"}
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None and exc.status_code in (429, 503):
        headers["retry-after"] = str(max(1, round(retry_after)))
    return headers


def multiplex_error_response(exc: MultiplexError) -> JSONResponse:
    return JSONResponse(
        envelope(exc.message, exc.type, exc.param, exc.code),
        status_code=exc.status_code,
        headers=error_headers(exc),
    )


def sse_error_frame(exc: BaseException) -> str:
    if isinstance(exc, MultiplexError):
        body = envelope(exc.message, exc.type, exc.param, exc.code)
    else:
        body = envelope("internal error while streaming", "server_error", None, "internal_error")
    return f"data: {json.dumps(body)}\n\n"


def _param(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    if not parts:
        return None
    out = parts[0]
    for p in parts[1:]:
        out += f"[{p}]" if p.isdigit() else f".{p}"
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(MultiplexError)
    async def _multiplex(_request: Request, exc: MultiplexError) -> JSONResponse:
        if isinstance(exc, RateLimited):
            log.info("rate limited: %s", exc.message)
        return multiplex_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        param = _param(tuple(first.get("loc", ())))
        message = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
        if first.get("type") == "json_invalid":
            message, param = "the request body is not valid JSON", None
        elif first.get("type") == "missing":
            message = f"'{param}' is required"
        elif param:
            message = f"{param}: {message}"
        return JSONResponse(
            envelope(message, "invalid_request_error", param, "invalid_value"),
            status_code=400,
            headers={"x-should-retry": "false"},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        type_, code = _HTTP_TYPES.get(exc.status_code, ("server_error", None))
        detail = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404:
            detail = "no such route"
        headers = {**(exc.headers or {}), "x-should-retry": "false"}  # keeps `Allow` on 405
        return JSONResponse(envelope(detail, type_, None, code), status_code=exc.status_code, headers=headers)
