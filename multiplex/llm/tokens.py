"""Tokens of text whatever model wrote it: cl100k_base, the tokenizer litellm ships (offline). Used
where multiplex itself must count an answer it composed from several calls (a mas answer's
`max_tokens`, the answer's own tokens in `multiplex.usage`)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _encoding() -> Any:
    from litellm.litellm_core_utils.default_encoding import encoding

    return encoding


def count(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def head(text: str, tokens: int) -> str:
    """The text of the first `tokens` tokens of `text`."""
    encoding = _encoding()
    return str(encoding.decode(encoding.encode(text, disallowed_special=())[:tokens]))
