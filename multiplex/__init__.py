"""multiplex: culturally plural LLM answers, by construction and measured as such."""

__version__ = "0.1.0"
