from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from multiplex.api.deps import Caller, ServicesDep
from multiplex.api.protocol import ERROR_RESPONSES, ScoreRequest
from multiplex.errors import InvalidRequest
from multiplex.scoring import ScoreResult, ascore

router = APIRouter(tags=["score"], responses=ERROR_RESPONSES)


@router.post("/v1/score", response_model=ScoreResult | dict[str, list[ScoreResult]])
async def score(body: ScoreRequest, services: ServicesDep, _caller: Caller) -> Any:
    roster = services.engine.roster
    allowed = {"lexicon", services.settings.judge}
    if body.judge is not None and body.judge not in allowed:
        # The server pays for a judge's calls: clients pick among the judges it is configured with.
        raise InvalidRequest(f"judge must be one of {sorted(allowed)}", param="judge")
    if body.text is not None:
        return await ascore(body.text, body.judge, roster)
    return {"results": [await ascore(text, body.judge, roster) for text in body.texts or []]}
