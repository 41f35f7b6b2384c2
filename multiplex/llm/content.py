"""OpenAI message content, flattened: a string, or a list of parts of which multiplex reads the text."""

from __future__ import annotations

from typing import Any


def text_of(content: Any) -> str:
    if isinstance(content, list):
        parts = (part for part in content if isinstance(part, dict) and part.get("type", "text") == "text")
        return "".join(str(part.get("text", "")) for part in parts)
    return "" if content is None else str(content)


def plain_messages(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Role and text only: what an in-process model reads."""
    return [{"role": str(m.get("role", "user")), "content": text_of(m.get("content"))} for m in messages]
