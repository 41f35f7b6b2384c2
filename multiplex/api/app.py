"""The FastAPI application: `create_app(settings)` wires settings, engine and routes."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import RedirectResponse

import multiplex
from multiplex.api import errors, health
from multiplex.api.chat import route as chat
from multiplex.api.client_tasks import ClientTasks
from multiplex.api.completions import route as completions
from multiplex.api.deps import Services
from multiplex.api.limits import RateLimiter, RunLimiter
from multiplex.api.logs import configure_logging
from multiplex.api.metrics import Metrics
from multiplex.api.middleware import RequestContextMiddleware
from multiplex.api.models import route as models
from multiplex.api.playground import playground
from multiplex.api.responses import route as responses
from multiplex.api.score import route as score
from multiplex.api.server import Drain
from multiplex.graph import Engine
from multiplex.llm import LLM
from multiplex.settings import Settings, get_settings
from multiplex.shared import Shared


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, less the 422 it documents for validation errors (multiplex answers 400),
    plus the models of streamed chunks (SSE frames, which no route returns as JSON)."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        for path in schema["paths"].values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in chat.SCHEMAS:
            extra = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
            for name, definition in extra.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components[model.__name__] = extra
        app.openapi_schema = schema
    return app.openapi_schema


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format)
    metrics = Metrics()
    shared = Shared(settings.redis_url)
    engine = Engine.from_settings(settings, LLM(settings, on_cooldown=metrics.cooldown), shared)
    engine.llm.preload(engine.models)  # a model file that cannot load stops start-up, not every request
    services = Services(
        settings=settings,
        engine=engine,
        runs=RunLimiter(settings.max_concurrent_runs, settings.max_queued_runs),
        rate=RateLimiter(settings.rate_limit_rpm, shared),
        metrics=metrics,
        client_tasks=ClientTasks.from_settings(settings.client_tasks == "on", settings.client_task_patterns),
        drain=Drain(settings.drain_s),
    )
    app = FastAPI(  # no /docs or /redoc: their pages load scripts from a CDN (the schema is /openapi.json)
        title="multiplex",
        version=multiplex.__version__,
        description="Culturally plural answers over an OpenAI-compatible API.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    errors.install(app)
    for module in (chat, completions, responses, models, score, health):
        app.include_router(module.router)
    if (files := playground()) is not None:
        app.mount("/playground", files, name="playground")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/playground/")

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["authorization", "content-type", "x-request-id"],
            expose_headers=["x-request-id"],
        )
    app.add_middleware(
        RequestContextMiddleware,
        metrics=metrics,
        max_body_bytes=settings.max_body_bytes,
        body_timeout_s=settings.body_timeout_s,
    )
    return app
