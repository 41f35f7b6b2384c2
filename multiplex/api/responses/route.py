"""POST /v1/responses: OpenAI's Responses shape of the same run."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from multiplex.api.answer import answer, streamed
from multiplex.api.deps import Caller, ServicesDep
from multiplex.api.logs import log_request
from multiplex.api.protocol import ERROR_RESPONSES
from multiplex.api.responses import frames
from multiplex.api.responses.protocol import ResponseObject, ResponsesRequest

router = APIRouter(tags=["responses"], responses=ERROR_RESPONSES)


@router.post(
    "/v1/responses",
    response_model=ResponseObject,
    responses=streamed("the response; with `stream`, the typed response.* events, then [DONE]"),
)
async def create_response(body: ResponsesRequest, request: Request, services: ServicesDep, _caller: Caller) -> Response:
    log_request("response", body, messages=services.settings.log_messages == "on")
    return await answer(body.to_chat(), request, services, frames.response, frames.ResponseEvents)
