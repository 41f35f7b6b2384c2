"""POST /v1/score: any text scored as an answer is."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from multiplex.api.protocol import reject_invalid_unicode
from multiplex.scoring.viewpoints import Viewpoint


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = None
    texts: list[str] | None = Field(None, max_length=1000)
    drafts: dict[str, str] | None = Field(
        None, description="perspective id -> the draft behind `text`: adds the synthesis metrics"
    )
    judge: str | None = None
    sources: bool = Field(False, description="check the quotations against the roster's sources: adds `grounding`")
    mask: bool = Field(
        False, description="adds `masked`: the text with every tradition's names, terms and works' titles hidden"
    )
    viewpoints: list[Annotated[str, Field(min_length=1)] | Viewpoint] | None = Field(
        None,
        max_length=200,
        description="people's viewpoints on the question (strings or {text, stance}): adds `viewpoints`",
    )

    @model_validator(mode="before")
    @classmethod
    def _valid_unicode(cls, data: Any) -> Any:
        reject_invalid_unicode(data)
        return data

    @model_validator(mode="after")
    def _one_of(self) -> ScoreRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of 'text' or 'texts'")
        if self.drafts is not None and self.text is None:
            raise ValueError("'drafts' go with one 'text'")
        if self.viewpoints is not None and not self.viewpoints:
            raise ValueError("'viewpoints' needs at least one viewpoint")
        return self
