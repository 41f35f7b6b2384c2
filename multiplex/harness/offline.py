"""Offline, as multiplex runs: inspect counts a model's tokens with tiktoken's o200k_base when the
model reports none (its mockllm does), and tiktoken fetches that encoding from the network unless
it finds it in TIKTOKEN_CACHE_DIR. litellm ships the encodings; point tiktoken at them, unless the
user set a cache of their own."""

from __future__ import annotations

import os
from importlib import resources

import multiplex.llm  # noqa: F401  (sets litellm's offline price map before litellm is imported)


def use_bundled_encodings() -> None:
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        os.environ["TIKTOKEN_CACHE_DIR"] = str(resources.files("litellm") / "litellm_core_utils" / "tokenizers")
