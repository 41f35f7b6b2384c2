"""Coverage of human-written viewpoints: which of the views people hold on a question an answer
expresses.

A viewpoint is covered when some sentence of the answer matches it (or one of its paraphrases):
offline, the cosine of the WordLlama embeddings the scorer already ships reaches MATCH_THRESHOLD
and, when the question is known, exceeds that sentence's cosine with the question by MARGIN (a
sentence that restates the claim is as close to every viewpoint on it as to the claim: it argues
none of them); with an LLM judge (MULTIPLEX_JUDGE), the judge says which viewpoints the answer
expresses (prompts/viewpoints.md, after OvertonBench, arXiv 2512.01351).

MATCH_THRESHOLD was calibrated on people's labels, never on our own answers: the 20,635 labelled
(argument, key point) pairs of ArgKP's train split, at the best F1; `python
tests/benchmarks/viewpoint_matcher.py` reruns the calibration and reports precision, recall, F1 and
AUC on ArgKP's dev split and AUC on Perspectrum's paraphrase clusters. People's arguments do not
restate the claim, so MARGIN could not be set on them: it was set on answers read against ArgKP's
key points by the written protocol (tests/scoring/coverage_judgements.json, its `dev` part), and
is checked on answers read apart from it (its `test` part); `python
tests/benchmarks/coverage_reading.py` prints both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, Field, ValidationError, field_validator

from multiplex.errors import InvalidRequest, JudgeError
from multiplex.llm import LLM, CallTag, GenerationParams
from multiplex.prompts import Prompts
from multiplex.text.embedding import embed
from multiplex.text.sentences import units

MATCH_THRESHOLD = 0.48
MARGIN = 0.1


class Viewpoint(BaseModel):
    text: str = Field(min_length=1)
    stance: str | None = None
    paraphrases: list[str] = Field(default_factory=list)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a viewpoint's text is empty")
        return value


class ViewpointScore(BaseModel):
    """The scorer JSON's `viewpoints` (docs/scoring.md, "Coverage of people's viewpoints")."""

    matcher: str = Field(description="`wordllama` (offline embeddings) or the judge model that matched")
    coverage: float = Field(description="share of the reference viewpoints the answer covers")
    covered: list[bool] = Field(description="one per reference viewpoint, in the order given")
    by_stance: dict[str, float] = Field(description="coverage of the viewpoints of each stance")
    balance: float | None = Field(
        None, description="lowest stance coverage over highest (1: every side alike; none with one stance)"
    )
    drafts: dict[str, float] | None = Field(
        None, description="mas: the coverage of each draft alone, to compare the answer with its best single voice"
    )
    ceiling: float | None = Field(
        None, description="mas: the share covered by the drafts together (what a synthesis could keep at most)"
    )
    considerations: float | None = Field(
        None, description="mas: the coverage of the answer's considerations alone (a plain answer's share)"
    )


def read_viewpoints(data: object, where: str = "viewpoints") -> list[Viewpoint]:
    """Viewpoints from JSON: a list of strings, or of objects with `text` and an optional `stance`
    (and `paraphrases`). Anything else is the caller's error, naming where."""
    if not isinstance(data, list) or not data:
        raise InvalidRequest(
            f"{where}: give a non-empty JSON list of strings or of {{text, stance}}", param="viewpoints"
        )
    try:
        return [Viewpoint(text=item) if isinstance(item, str) else Viewpoint.model_validate(item) for item in data]
    except ValidationError as exc:
        raise InvalidRequest(f"{where}: not a viewpoint ({exc.errors()[0]['msg']})", param="viewpoints") from None


def matched(answer: str, viewpoints: Sequence[Viewpoint], asked: str = "") -> list[bool]:
    """Per viewpoint: does some sentence of the answer reach MATCH_THRESHOLD with it (or one of its
    paraphrases) and, given the question `asked`, come closer to it than to the question by MARGIN?"""
    sentences = [s.strip() for s in units(answer) if s.strip()]
    if not sentences or not viewpoints:
        return [False] * len(viewpoints)
    texts = [[v.text, *v.paraphrases] for v in viewpoints]
    rows = embed(sentences + [t for group in texts for t in group] + ([asked] if asked.strip() else []))
    answer_rows, at = rows[: len(sentences)], len(sentences)
    restating = answer_rows @ rows[-1] if asked.strip() else np.full(len(sentences), -np.inf)
    covered = []
    for group in texts:
        close = (answer_rows @ rows[at : at + len(group)].T).max(axis=1)  # per sentence, its best paraphrase
        covered.append(bool(((close >= MATCH_THRESHOLD) & (close - restating >= MARGIN)).any()))
        at += len(group)
    return covered


def coverage(covered: Sequence[bool], viewpoints: Sequence[Viewpoint], matcher: str) -> ViewpointScore:
    stances: dict[str, list[bool]] = {}
    for hit, viewpoint in zip(covered, viewpoints, strict=True):
        stances.setdefault(viewpoint.stance or "unstated", []).append(hit)
    by_stance = {stance: sum(hits) / len(hits) for stance, hits in stances.items()}
    balance = None
    if len(by_stance) > 1:
        high = max(by_stance.values())
        balance = min(by_stance.values()) / high if high else 1.0
    return ViewpointScore(
        matcher=matcher,
        coverage=sum(covered) / len(covered) if covered else 0.0,
        covered=list(covered),
        by_stance=by_stance,
        balance=balance,
    )


def match(answer: str, viewpoints: Sequence[Viewpoint], asked: str = "") -> ViewpointScore:
    """The offline matcher: embeddings and the calibrated threshold and margin."""
    return coverage(matched(answer, viewpoints, asked), viewpoints, "wordllama")


class _Judged(BaseModel):
    covered: list[bool]


async def judge_coverage(
    llm: LLM, model: str, answer: str, viewpoints: Sequence[Viewpoint], prompts: Prompts
) -> ViewpointScore:
    """The LLM judge's matcher: one call, its JSON checked (one boolean per viewpoint), asked again
    once, then an error; never a guess."""
    listing = "\n".join(f"{i}. {v.text}" for i, v in enumerate(viewpoints, 1))
    messages = [
        {"role": "system", "content": prompts.render("viewpoints")},
        {"role": "user", "content": f"Answer:\n{answer}\n\nViewpoints:\n{listing}"},
    ]
    schema = {
        "type": "object",
        "properties": {
            "covered": {
                "type": "array",
                "items": {"type": "boolean"},
                "minItems": len(viewpoints),
                "maxItems": len(viewpoints),
            }
        },
        "required": ["covered"],
    }
    params = GenerationParams(
        temperature=0.0,
        max_tokens=16 + 8 * len(viewpoints),
        response_format={"type": "json_schema", "json_schema": {"name": "coverage", "schema": schema}},
    )
    problem = ""
    for _ in range(2):
        completion = await llm.generate(model, messages, params, CallTag("judge"))
        found = re.search(r"\{.*\}", completion.text, re.DOTALL)
        try:
            covered = _Judged.model_validate_json(found.group(0) if found else completion.text).covered
        except ValidationError as exc:
            problem = str(exc).splitlines()[0]
            continue
        if len(covered) == len(viewpoints):
            return coverage(covered, viewpoints, model)
        problem = f"{len(covered)} answers for {len(viewpoints)} viewpoints"
    raise JudgeError(f"the judge {model} gave no valid coverage in 2 attempts ({problem})")
