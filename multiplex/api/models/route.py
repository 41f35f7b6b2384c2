"""GET /v1/models and /v1/models/{id}: the served models, each with what it runs and whether a demo model runs it."""

from __future__ import annotations

from fastapi import APIRouter

from multiplex.api.deps import Caller, Services, ServicesDep
from multiplex.api.models.catalog import ServedModel, catalog, resolve
from multiplex.api.models.protocol import ModelCard, ModelList, ServedModelInfo
from multiplex.api.protocol import ERROR_RESPONSES
from multiplex.llm import is_demo

router = APIRouter(tags=["models"], responses=ERROR_RESPONSES)
CREATED = 1_767_225_600  # 2026-01-01, fixed so the list is stable


PANEL_OPTIONS = ["perspectives", "models", "synthesizer_model", "expose_drafts", "stream_perspectives"]
COMMON_OPTIONS = ["score", "cache"]


def card(model: ServedModel, choosable: list[str]) -> ModelCard:
    mas = model.mode == "mas"
    info = ServedModelInfo(
        mode=model.mode,
        perspective=model.perspective,
        name=model.name,
        model=model.model,
        options=(PANEL_OPTIONS if mas else []) + COMMON_OPTIONS,
        choosable_models=choosable if mas else [],
        demo=is_demo(model.model),
    )
    return ModelCard(id=model.id, created=CREATED, description=model.description, multiplex=info)


def choosable(services: Services) -> list[str]:
    return sorted(set(services.settings.allowed_models) or services.engine.models)


@router.get("/v1/models", response_model=ModelList)
async def list_models(services: ServicesDep, _caller: Caller) -> ModelList:
    allowed = choosable(services)
    return ModelList(data=[card(m, allowed) for m in catalog(services.engine)])


@router.get("/v1/models/{model_id}", response_model=ModelCard)
async def get_model(model_id: str, services: ServicesDep, _caller: Caller) -> ModelCard:
    return card(resolve(model_id, services.engine), choosable(services))
