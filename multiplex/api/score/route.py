"""POST /v1/score: a text (or many) scored as an answer is; with drafts, the synthesis metrics too."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from multiplex.api.deps import Caller, ServicesDep
from multiplex.api.protocol import ERROR_RESPONSES
from multiplex.api.score.protocol import ScoreRequest
from multiplex.errors import InvalidRequest
from multiplex.scoring import ScoreResult
from multiplex.scoring.viewpoints import Viewpoint

router = APIRouter(tags=["score"], responses=ERROR_RESPONSES)


@router.post("/v1/score", response_model=ScoreResult | dict[str, list[ScoreResult]])
async def score(body: ScoreRequest, services: ServicesDep, _caller: Caller) -> Any:
    scorer = services.engine.scorer
    if body.judge is not None and body.judge not in scorer.judges:
        # The server pays for a judge's calls: clients pick among the judges it is configured with.
        raise InvalidRequest(f"judge must be one of {sorted(scorer.judges)}", param="judge")
    if body.drafts is not None:
        unknown = set(body.drafts) - set(services.engine.roster.ids)
        if unknown:
            raise InvalidRequest(f"drafts name unknown perspectives {sorted(unknown)}", param="drafts")
    views = [Viewpoint(text=v) if isinstance(v, str) else v for v in body.viewpoints] if body.viewpoints else None
    async with services.runs.slot():  # scoring is work like a run: bounded by the same limits
        if body.text is not None:
            result = await scorer.score(body.text, body.drafts, body.judge, sources=body.sources, viewpoints=views)
            results = [result]
        else:
            results = await scorer.score_many(body.texts or [], body.judge, sources=body.sources, viewpoints=views)
        if body.mask:
            texts = [body.text] if body.text is not None else body.texts or []
            for text, one in zip(texts, results, strict=True):
                one.masked = scorer.mask(text)
        return results[0] if body.text is not None else {"results": results}
