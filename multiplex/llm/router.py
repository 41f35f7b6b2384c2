"""A backend pool: LiteLLM proxy-style YAML (`model_list`, optional `router_settings`) loaded into
a `litellm.Router`. Routing, fallbacks, cooldowns and rpm/tpm limits are the Router's; multiplex
only decides which calls go through it (those naming one of its `model_name`s). The Router's
`num_retries` moves a failed call to another deployment of the pool; MULTIPLEX_RETRIES wraps that."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from multiplex.errors import ConfigError


def read_config(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: not a readable YAML file ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("model_list"), list) or not data["model_list"]:
        raise ConfigError(f"{path}: field 'model_list': a non-empty list of deployments is required")
    for i, entry in enumerate(data["model_list"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("model_name"), str):
            raise ConfigError(f"{path}: field 'model_list[{i}].model_name' is required")
        params = entry.get("litellm_params")
        if not isinstance(params, dict) or not isinstance(params.get("model"), str):
            raise ConfigError(f"{path}: field 'model_list[{i}].litellm_params.model' is required")
    settings = data.get("router_settings") or {}
    if not isinstance(settings, dict):
        raise ConfigError(f"{path}: field 'router_settings' must be a mapping")
    return data


def model_names(config: dict[str, Any]) -> set[str]:
    return {entry["model_name"] for entry in config["model_list"]}


log = logging.getLogger("multiplex.llm")

# (pool model_name, deployment api_base or model, the status that cooled it, seconds)
CooldownHook = Callable[[str, str, str, float | None], None]


def build_router(
    config: dict[str, Any], path: Path, on_cooldown: CooldownHook | None = None, redis_url: str | None = None
) -> Any:
    """The Router of a pool config; with `redis_url` (unless the config names its own Redis), its
    cooldowns and usage live in Redis, seen by every replica."""
    from litellm import Router

    settings = dict(config.get("router_settings") or {})
    if redis_url and not any(k.startswith("redis_") for k in settings):
        settings["redis_url"] = redis_url
    try:
        router = Router(model_list=config["model_list"], **settings)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: the Router refused this configuration ({exc})") from None
    _report_cooldowns(router, on_cooldown)
    return router


def _report_cooldowns(router: Any, on_cooldown: CooldownHook | None) -> None:
    """Log every deployment the Router cools down (and tell `on_cooldown`): a pool that quietly
    loses a replica is a pool nobody knows is degraded."""
    event = router.cooldown_event

    def cooled_down(deployment_id: str, exception_status: object, cooldown_time: float | None) -> None:
        deployment = router.get_deployment(model_id=deployment_id)
        name = deployment.model_name if deployment is not None else "?"
        params = deployment.litellm_params if deployment is not None else None
        where = (
            (getattr(params, "api_base", None) or getattr(params, "model", None) or deployment_id)
            if params
            else deployment_id
        )
        log.warning(
            "pool %s: deployment %s cooled down for %s s after %s", name, where, cooldown_time, exception_status
        )
        if on_cooldown is not None:
            on_cooldown(name, str(where), str(exception_status), cooldown_time)
        event(deployment_id, exception_status, cooldown_time)

    router.cooldown_event = cooled_down
