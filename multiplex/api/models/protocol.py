"""GET /v1/models: the served models, each with what it runs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ServedModelInfo(BaseModel):
    mode: str
    perspective: str | None = None
    name: str | None = Field(None, description="a perspective's display name")
    model: str = Field(description="the model behind it: a litellm model string or a Router model name")
    options: list[str] = Field(
        default_factory=list,
        description="the fields of the request extension `multiplex` this model reads (MultiplexOptions)",
    )
    choosable_models: list[str] = Field(
        default_factory=list, description="mas: the models a request may name in multiplex.models / synthesizer_model"
    )
    demo: bool = Field(
        False, description="the model behind it is a small demonstration model, whose own sentences are illustrative"
    )


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "multiplex"
    description: str
    multiplex: ServedModelInfo


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
