"""Every LLM call of multiplex goes through litellm, via `LLM.generate()`."""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # litellm must not fetch its price map at import

from multiplex.llm.capabilities import Capabilities, capabilities, is_demo  # noqa: E402
from multiplex.llm.client import LLM  # noqa: E402
from multiplex.llm.types import LOOP_HEADER, CallTag, Completion, GenerationParams, Usage  # noqa: E402

__all__ = [
    "LOOP_HEADER",
    "LLM",
    "CallTag",
    "Capabilities",
    "Completion",
    "GenerationParams",
    "Usage",
    "capabilities",
    "is_demo",
]
