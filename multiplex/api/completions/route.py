"""POST /v1/completions: the legacy text shape of the same run."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from multiplex.api.answer import answer, streamed
from multiplex.api.completions import frames
from multiplex.api.completions.protocol import CompletionRequest, TextCompletion
from multiplex.api.deps import Caller, ServicesDep
from multiplex.api.logs import log_request
from multiplex.api.protocol import ERROR_RESPONSES

router = APIRouter(tags=["completions"], responses=ERROR_RESPONSES)


@router.post(
    "/v1/completions",
    response_model=TextCompletion,
    responses=streamed("the answer as text; with `stream`, server-sent events of text_completion, then [DONE]"),
)
async def create_completion(
    body: CompletionRequest, request: Request, services: ServicesDep, _caller: Caller
) -> Response:
    log_request("completion", body, messages=services.settings.log_messages == "on")
    return await answer(body.to_chat(), request, services, frames.completion, frames.TextChunks)
