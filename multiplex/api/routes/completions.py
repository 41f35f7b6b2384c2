"""POST /v1/completions (legacy text) and POST /v1/responses: other shapes of the same run."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from multiplex.api import completions, responses
from multiplex.api.answer import answer
from multiplex.api.deps import Caller, ServicesDep
from multiplex.api.logs import log_request
from multiplex.api.protocol import ERROR_RESPONSES

router = APIRouter(tags=["completions"], responses=ERROR_RESPONSES)


def _streamed(description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": {"text/event-stream": {}}}}


@router.post(
    "/v1/completions",
    response_model=completions.TextCompletion,
    responses=_streamed("the answer as text; with `stream`, server-sent events of text_completion, then [DONE]"),
)
async def create_completion(
    body: completions.CompletionRequest, request: Request, services: ServicesDep, _caller: Caller
) -> Response:
    log_request("completion", body, messages=services.settings.log_messages == "on")
    return await answer(body.to_chat(), request, services, completions.completion, completions.TextChunks)


@router.post(
    "/v1/responses",
    response_model=responses.ResponseObject,
    responses=_streamed("the response; with `stream`, the typed response.* events, then [DONE]"),
)
async def create_response(
    body: responses.ResponsesRequest, request: Request, services: ServicesDep, _caller: Caller
) -> Response:
    log_request("response", body, messages=services.settings.log_messages == "on")
    return await answer(body.to_chat(), request, services, responses.response, responses.ResponseEvents)
