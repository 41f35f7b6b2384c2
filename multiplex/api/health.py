"""Health probes: they never call a model."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from multiplex.api.deps import Caller, ServicesDep

router = APIRouter(tags=["health"])


@router.get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/ready")
async def ready(services: ServicesDep) -> dict[str, object]:
    """Ready whatever Redis does (without it limits and the cache are local, never an error); says
    whether it is there."""
    redis = services.engine.shared.state
    services.metrics.redis_up.set(1 if redis == "up" else 0)
    return {
        "status": "ok",
        "redis": redis,
        "model": services.settings.model,
        "perspectives": len(services.engine.roster),
        "runs_in_progress": services.runs.running,
        "runs_waiting": services.runs.waiting,
        "tasks": len(asyncio.all_tasks()),  # every coroutine alive in the server: flat when idle
    }


@router.get("/metrics", include_in_schema=False)
async def metrics(services: ServicesDep, _caller: Caller) -> Response:
    services.metrics.redis_up.set(1 if services.engine.shared.state == "up" else 0)
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
