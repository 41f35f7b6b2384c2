"""The LLM judge: WorldView-Bench's zero-shot classification of references by a model.

The model is asked (prompts/judge.md) for JSON, with a JSON schema as the response format where
the provider takes one (the embedded model is then held to it by a grammar); its answer is
validated, and an invalid one is asked again once, then reported as an error. Nothing is ever
guessed from a malformed answer.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from multiplex.errors import JudgeError
from multiplex.llm import LLM, CallTag, GenerationParams
from multiplex.prompts import Prompts
from multiplex.roster import Roster
from multiplex.scoring.lexicon import sentences
from multiplex.scoring.types import Reference

ATTEMPTS = 2
MAX_TOKENS = 2048
MAX_REFERENCES = 32  # schema limits, so that a looping model still closes its JSON within MAX_TOKENS


class _JudgedReference(BaseModel):
    perspective: str
    term: str
    sentence: str = ""


class _JudgeAnswer(BaseModel):
    references: list[_JudgedReference]


def parse_answer(text: str, roster: Roster, source: str = "") -> list[Reference]:
    """Validate a judge's answer; raises ValueError when it is not what was asked for. With the
    judged `source`, a reference whose term is not in it is dropped (a judge may not invent), and
    each kept one takes the source's own sentence (what VADER then scores)."""
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if not match:
        raise ValueError("no JSON object in the answer")
    try:
        # strict=False: a raw line break inside a string (which a grammar may allow) is no reason to refuse
        answer = _JudgeAnswer.model_validate(json.loads(match.group(0), strict=False))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ValueError(f"not the JSON asked for: {str(exc).splitlines()[0]}") from None
    known = set(roster.ids)
    unknown = {r.perspective for r in answer.references} - known
    if unknown:
        raise ValueError(f"unknown perspective ids {sorted(unknown)}")
    references = [Reference(perspective=r.perspective, term=r.term, sentence=r.sentence) for r in answer.references]
    return _grounded(references, source) if source else references


def _grounded(references: list[Reference], source: str) -> list[Reference]:
    spans = sentences(source)
    folded = source.casefold()
    kept = []
    for ref in references:
        at = folded.find(ref.term.casefold().strip()) if ref.term.strip() else -1
        if at < 0:
            continue
        sentence = next((source[s:e] for s, e in spans if s <= at < e), ref.sentence)
        kept.append(Reference(perspective=ref.perspective, term=ref.term, sentence=sentence))
    return kept


def response_format(roster: Roster) -> dict[str, Any]:
    reference = {
        "type": "object",
        "properties": {
            "perspective": {"type": "string", "enum": roster.ids},
            "term": {"type": "string", "maxLength": 40},
            "sentence": {"type": "string", "maxLength": 160},
        },
        "required": ["perspective", "term", "sentence"],
    }
    schema = {
        "type": "object",
        "properties": {"references": {"type": "array", "items": reference, "maxItems": MAX_REFERENCES}},
        "required": ["references"],
    }
    return {"type": "json_schema", "json_schema": {"name": "references", "schema": schema}}


async def judge_references(llm: LLM, model: str, text: str, roster: Roster, prompts: Prompts) -> list[Reference]:
    listing = "\n".join(f"- {p.id}: {p.name} ({p.description})" for p in roster)
    messages = [
        {"role": "system", "content": prompts.render("judge", perspectives=listing)},
        {"role": "user", "content": text},
    ]
    params = GenerationParams(temperature=0.0, max_tokens=MAX_TOKENS, response_format=response_format(roster))
    problem = ""
    for _ in range(ATTEMPTS):
        completion = await llm.generate(model, messages, params, CallTag("judge"))
        try:
            return parse_answer(completion.text, roster, text)
        except ValueError as exc:
            problem = str(exc)
    raise JudgeError(f"the judge {model} gave no valid answer in {ATTEMPTS} attempts ({problem})")
