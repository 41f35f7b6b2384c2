"""Served model ids: `multiplex-<mode>` and `perspective-<id>`, and what each runs."""

from __future__ import annotations

from dataclasses import dataclass

from multiplex.errors import NotFound
from multiplex.graph import MODES, Engine
from multiplex.graph.state import Mode


@dataclass(frozen=True)
class ServedModel:
    id: str
    mode: Mode
    perspective: str | None
    description: str
    model: str  # the model behind it (a perspective's own, where its card names one)
    name: str | None = None  # a perspective's display name


def catalog(engine: Engine) -> list[ServedModel]:
    models = [ServedModel(f"multiplex-{mode}", mode, None, text, engine.settings.model) for mode, text in MODES.items()]
    models += [
        ServedModel(
            f"perspective-{p.id}",
            "perspective",
            p.id,
            f"The {p.name} perspective agent alone. {p.description}",
            engine.model_of(p.id),
            p.name,
        )
        for p in engine.roster
    ]
    return models


def resolve(model_id: str, engine: Engine) -> ServedModel:
    for model in catalog(engine):
        if model.id == model_id:
            return model
    known = ", ".join(f"multiplex-{mode}" for mode in MODES)
    raise NotFound(f"the model '{model_id}' does not exist; try {known} or perspective-<id>", param="model")
