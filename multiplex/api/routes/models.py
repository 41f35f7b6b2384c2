from __future__ import annotations

from fastapi import APIRouter

from multiplex.api.deps import Caller, ServicesDep
from multiplex.api.models_catalog import catalog, resolve
from multiplex.api.protocol import ERROR_RESPONSES, ModelCard, ModelList

router = APIRouter(tags=["models"], responses=ERROR_RESPONSES)
CREATED = 1_767_225_600  # 2026-01-01, fixed so the list is stable


@router.get("/v1/models", response_model=ModelList)
async def list_models(services: ServicesDep, _caller: Caller) -> ModelList:
    return ModelList(
        data=[ModelCard(id=m.id, created=CREATED, description=m.description) for m in catalog(services.engine.roster)]
    )


@router.get("/v1/models/{model_id}", response_model=ModelCard)
async def get_model(model_id: str, services: ServicesDep, _caller: Caller) -> ModelCard:
    model = resolve(model_id, services.engine.roster)
    return ModelCard(id=model.id, created=CREATED, description=model.description)
