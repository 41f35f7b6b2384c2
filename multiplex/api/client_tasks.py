"""Chat clients' housekeeping requests: titles, tags, follow-up suggestions, search queries,
autocomplete.

A chat client sends these to the chat's own model after (or while) it answers, and expects a short
reply, often JSON. Fanned out over every perspective and synthesized they would cost a whole mas
run each and come back as prose. Recognised here, they run as one plain model call (mode `task`).

Known shapes are matched at the start of the last user message; `MULTIPLEX_CLIENT_TASK_PATTERNS`
adds more, and `MULTIPLEX_CLIENT_TASKS=off` turns the whole thing off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from multiplex.llm.content import text_of

KNOWN_SHAPES: dict[str, str] = {
    # Open WebUI: every background task prompt (title, tags, follow-ups, queries, autocomplete,
    # emoji, image prompt) opens with this heading.
    "open-webui": r"###\s*Task:",
}


@dataclass(frozen=True)
class ClientTasks:
    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def from_settings(cls, enabled: bool, extra: Iterable[str]) -> ClientTasks:
        if not enabled:
            return cls(())
        return cls(tuple(re.compile(p) for p in (*KNOWN_SHAPES.values(), *extra)))

    def matches(self, messages: Sequence[dict[str, Any]]) -> bool:
        if not self.patterns or not messages or messages[-1].get("role") != "user":
            return False
        text = text_of(messages[-1].get("content")).lstrip()
        return any(p.match(text) for p in self.patterns)


def wants_json(messages: Sequence[dict[str, Any]]) -> bool:
    """The task asks for a JSON reply in so many words (Open WebUI's all do)."""
    return bool(messages) and "JSON" in text_of(messages[-1].get("content"))
