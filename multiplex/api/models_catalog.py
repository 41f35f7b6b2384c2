"""Served model ids: `multiplex-<mode>` and `perspective-<id>`, and what each runs."""

from __future__ import annotations

from dataclasses import dataclass

from multiplex.errors import NotFound
from multiplex.roster import Roster

MODE_DESCRIPTIONS = {
    "baseline": "The plain model with no system prompt of ours (uniplex baseline).",
    "contextual": "One model call with the multiplex system prompt (contextually-implemented multiplex).",
    "mas": "One agent per perspective in parallel, then a synthesizer (MAS-implemented multiplex).",
}


@dataclass(frozen=True)
class ServedModel:
    id: str
    mode: str
    perspective: str | None
    description: str


def catalog(roster: Roster) -> list[ServedModel]:
    models = [ServedModel(f"multiplex-{mode}", mode, None, text) for mode, text in MODE_DESCRIPTIONS.items()]
    models += [
        ServedModel(
            f"perspective-{p.id}", "perspective", p.id, f"The {p.name} perspective agent alone. {p.description}"
        )
        for p in roster
    ]
    return models


def resolve(model_id: str, roster: Roster) -> ServedModel:
    for model in catalog(roster):
        if model.id == model_id:
            return model
    known = ", ".join(m.id for m in catalog(roster)[:3])
    raise NotFound(f"the model '{model_id}' does not exist; try {known} or perspective-<id>", param="model")
