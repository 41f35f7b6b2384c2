"""Every LLM call of multiplex goes through litellm, via `generate()`."""

from multiplex.llm.client import generate
from multiplex.llm.types import CallTag, Completion, GenerationParams, Usage

__all__ = ["CallTag", "Completion", "GenerationParams", "Usage", "generate"]
