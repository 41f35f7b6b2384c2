"""From a run to any protocol's answer: where a mas answer's drafts go, its usage, and the base of
every protocol's streamed frames.

Where a mas answer shows its drafts (MULTIPLEX_EXPOSE_DRAFTS, or the request's
`multiplex.expose_drafts`): `reasoning_content` (beside the answer, where chat clients show a
model's thinking), `think` (inside `<think>...</think>` before the answer, which lm-eval and
inspect_ai take apart), or `none`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from multiplex.graph import PerspectiveRecord, RunResult
from multiplex.graph.analysis import Analysis
from multiplex.llm import Usage

Drafts = Literal["reasoning_content", "think", "none"]


def draft_block(record: PerspectiveRecord) -> str:
    text = record.content if record.status == "ok" else f"(failed: {record.error})"
    return f"**{record.name}**\n{text.strip()}\n\n"


def drafts_text(result: RunResult) -> str | None:
    """A mas answer's drafts, one block each; None for other modes."""
    if result.mode != "mas":
        return None
    return "".join(draft_block(p) for p in result.perspectives) or None


def with_drafts(result: RunResult, drafts: Drafts) -> tuple[str, str | None]:
    """A whole answer's text (the drafts inside <think> before it, where they go there) and the
    drafts to show beside it (where they go to `reasoning_content`)."""
    shown = drafts_text(result) if drafts != "none" else None
    if shown and drafts == "think":
        return f"<think>\n{shown.strip()}\n</think>\n\n{result.text}", None
    return result.text, shown if drafts == "reasoning_content" else None


@dataclass
class Thinking:
    """A stream's drafts inside `<think>...</think>`: the first draft opens it, the answer's first
    text (or the stream's end) closes it."""

    open: bool = False

    def draft(self, block: str) -> str:
        opening = "" if self.open else "<think>\n"
        self.open = True
        return opening + block

    def answer(self, text: str) -> str:
        if not self.open:
            return text
        self.open = False
        return "\n</think>\n\n" + text


def usage_of(result: RunResult) -> Usage:
    """The response's `usage`: every call of the run, as a bill counts them. A cached answer reports
    the tokens of the run that made it, as litellm does for a cache hit; `multiplex.cached` says it
    cost nothing this time."""
    return Usage(prompt_tokens=result.usage.prompt_tokens, completion_tokens=result.usage.completion_tokens)


def missing_header(result: RunResult) -> dict[str, str]:
    """A degraded answer says so in a header too (non-streamed: a stream's headers go first)."""
    return {"x-multiplex-missing": ",".join(result.missing)} if result.missing else {}


def sse_data(data: dict[str, Any], optional: tuple[str, ...] = ("usage", "multiplex")) -> str:
    """One SSE `data:` frame, the `optional` fields left out when they are null."""
    for name in optional:
        if data.get(name) is None:
            data.pop(name, None)
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


class Frames:
    """The SSE frames of one streamed answer in one protocol. A run's events come in order: `role`
    once, the perspectives' `started`, `delta` and `done`, the answer's `content`, the `analysis`,
    then `finish`. What a protocol has no place for is no frame (an empty string)."""

    model: str

    def role(self) -> str:
        return ""

    def started(self, id: str, name: str) -> str:  # noqa: ARG002
        return ""

    def delta(self, id: str, text: str) -> str:  # noqa: ARG002
        return ""

    def done(self, record: PerspectiveRecord, events: bool) -> str:  # noqa: ARG002
        return ""

    def analysis(self, analysis: Analysis) -> str:  # noqa: ARG002
        return ""

    def content(self, text: str) -> str:
        raise NotImplementedError

    def finish(self, result: RunResult, include_usage: bool) -> list[str]:
        raise NotImplementedError
