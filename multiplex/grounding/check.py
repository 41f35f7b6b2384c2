"""The quotations of any text checked against the sources, without changing it: what
`multiplex score --sources`, `POST /v1/score` with `sources` and the bench report read."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from multiplex.grounding.quotes import attributes_speech, is_short, quotations, quoted_from
from multiplex.grounding.sources import Sources
from multiplex.text.sentences import units


class GroundingScore(BaseModel):
    """The quotations of a text against the sources (the scorer JSON's `grounding`)."""

    quotations: int = Field(description="quoted spans of five words or more")
    verified: int = Field(description="those found word for word in a source")
    unverified: list[str] = Field(description="the quoted words no source holds")
    citations: list[str] = Field(description="ids of the passages the verified quotations come from")
    unsupported_attributions: list[str] = Field(
        description="sentences that have a named teacher or text speak with no verified quotation"
    )
    voices_cited: dict[str, bool] = Field(
        description=(
            "per perspective asked after (an answer's voices: its drafts', else those its headings name): "
            "a verified quotation of its works"
        )
    )


def check(text: str, sources: Sources, voices: Iterable[str], asked: str = "") -> GroundingScore:
    """`voices`: the perspectives whose citation is asked after (an answer's sections); `asked`: the
    question, whose words the text may quote back."""
    verified, unverified, cited, unsupported = 0, [], [], []
    for unit in units(text):
        found = False
        for quote in quotations(unit, minimum=1):
            passage = sources.find(quote.text)
            if passage is None:
                if not (is_short(quote) or quoted_from(quote.text, asked)):  # "ren", or the question itself
                    unverified.append(quote.text)
                continue
            verified += 1
            found = True
            cited.append(passage.id)
        if not found and attributes_speech(unit):
            unsupported.append(unit.strip())
    cited_by = {sources.voice_of_id(pid) for pid in cited}
    return GroundingScore(
        quotations=verified + len(unverified),
        verified=verified,
        unverified=unverified,
        citations=list(dict.fromkeys(cited)),
        unsupported_attributions=unsupported,
        voices_cited={voice: voice in cited_by for voice in voices},
    )
