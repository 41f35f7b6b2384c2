"""Shared request dependencies: the app's services, API-key auth and the rate limit."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from multiplex.api.client_tasks import ClientTasks
from multiplex.api.limits import RateLimiter, RunLimiter
from multiplex.api.metrics import Metrics
from multiplex.api.server import Drain
from multiplex.errors import AuthenticationFailed
from multiplex.graph import Engine
from multiplex.settings import Settings


@dataclass
class Services:
    settings: Settings
    engine: Engine
    runs: RunLimiter
    rate: RateLimiter
    metrics: Metrics
    client_tasks: ClientTasks
    drain: Drain


# Dependencies are `async def`: FastAPI runs a plain `def` dependency in a worker thread, a hop
# that costs more than these few lines.
async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def authenticate(request: Request, services: ServicesDep) -> str:
    """The caller's key (or client address when auth is off), after auth and the rate limit."""
    keys = services.settings.api_keys
    caller = request.client.host if request.client else "anonymous"
    if keys:
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not given:
            raise AuthenticationFailed("missing API key: send 'Authorization: Bearer <key>'")
        matched = False
        for key in keys:  # compare with every key, in constant time each
            matched |= hmac.compare_digest(given.strip().encode(), key.encode())
        if not matched:
            raise AuthenticationFailed("invalid API key")
        caller = given.strip()
    await services.rate.check(caller)
    return caller


Caller = Annotated[str, Depends(authenticate)]
