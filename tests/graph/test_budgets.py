"""A client's `max_tokens` shapes a mas answer: every voice keeps its section, each says less, and
the sources of what it quotes stay listed; `finish_reason` is `length` only when even the shortest
answer of every voice had to be cut."""

from __future__ import annotations

import re

import pytest

from multiplex.graph import AnswerDelta, RunDone, RunRequest
from multiplex.llm import GenerationParams, tokens
from tests.conftest import NAMES, engine
from tests.panel import panel

Q = "What do we owe our parents?"


def cited_and_listed(text: str) -> tuple[set[str], set[str]]:
    body, _, sources = text.partition("\n\n**Sources.**\n")
    return set(re.findall(r"\[(\d+)\]", body)), set(re.findall(r"^- \[(\d+)\] ", sources, re.M))


async def ask(model: str, max_tokens: int | None, stream: bool = False) -> tuple[str, str]:
    params = GenerationParams(max_tokens=max_tokens)
    request = RunRequest.ask(Q, mode="mas", params=params, stream=stream)
    if not stream:
        result = await engine(model=model).run(request)
        return result.text, result.finish_reason
    parts, finish = [], ""
    async for event in engine(model=model).stream(request):
        if isinstance(event, AnswerDelta):
            parts.append(event.text)
        elif isinstance(event, RunDone):
            finish = event.result.finish_reason
    return "".join(parts), finish


async def test_the_panels_whole_answer_needs_more_than_the_budgets_below(scripted) -> None:
    text, finish = await ask(scripted("panel", panel), None)
    assert finish == "stop" and tokens.count(text) > 300


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("max_tokens", [300, 400])
async def test_a_budget_shortens_every_voice_and_keeps_the_sources(scripted, max_tokens, stream) -> None:
    text, finish = await ask(scripted("panel", panel), max_tokens, stream)
    assert finish == "stop", text
    assert tokens.count(text) <= max_tokens
    for name in NAMES:
        assert f"**{name}.** " in text  # no voice cut away
    cited, listed = cited_and_listed(text)
    assert cited and cited == listed  # what the answer quotes, its sources list


async def test_a_budget_too_small_for_every_voice_is_cut_and_says_so(scripted) -> None:
    text, finish = await ask(scripted("panel", panel), 60)
    assert finish == "length" and tokens.count(text) <= 60


@pytest.mark.parametrize(("synthesis", "draft_tokens"), [("sections", 96), ("llm", 400)])
async def test_drafts_for_sections_are_capped_at_what_a_section_keeps(scripted, synthesis, draft_tokens) -> None:
    """A section keeps about 80 words of its draft: with `sections` a draft is capped at 96 tokens,
    however large MULTIPLEX_MAX_TOKENS (a longer one buys only time); with `llm` it is not."""
    seen = []
    model = scripted("seen", lambda call: seen.append(call) or panel(call))
    await engine(model=model, synthesis=synthesis, max_tokens=400).run(RunRequest.ask(Q, mode="mas"))
    drafts = [call.max_tokens for call in seen if call.role == "perspective"]
    assert len(drafts) == 7 and set(drafts) == {draft_tokens}
