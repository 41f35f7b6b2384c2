from __future__ import annotations

from fastapi import APIRouter

from multiplex.api.deps import Caller, ServicesDep
from multiplex.api.models_catalog import ServedModel, catalog, resolve
from multiplex.api.protocol import ERROR_RESPONSES, ModelCard, ModelList, ServedModelInfo

router = APIRouter(tags=["models"], responses=ERROR_RESPONSES)
CREATED = 1_767_225_600  # 2026-01-01, fixed so the list is stable


def card(model: ServedModel) -> ModelCard:
    return ModelCard(
        id=model.id,
        created=CREATED,
        description=model.description,
        multiplex=ServedModelInfo(mode=model.mode, perspective=model.perspective, model=model.model),
    )


@router.get("/v1/models", response_model=ModelList)
async def list_models(services: ServicesDep, _caller: Caller) -> ModelList:
    return ModelList(data=[card(m) for m in catalog(services.engine)])


@router.get("/v1/models/{model_id}", response_model=ModelCard)
async def get_model(model_id: str, services: ServicesDep, _caller: Caller) -> ModelCard:
    return card(resolve(model_id, services.engine))
