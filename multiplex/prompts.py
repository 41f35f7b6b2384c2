"""Prompt templates from prompts/: plain text with `${name}` placeholders.

Templates are data a user may replace (MULTIPLEX_PROMPTS_DIR); a missing file or an unknown
placeholder fails with the file named rather than sending a half-rendered prompt.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Template

from multiplex.errors import ConfigError
from multiplex.resources import data_dir

TEMPLATES = ("contextual", "perspective", "planner", "synthesizer", "closing", "judge")


class Prompts:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or data_dir("prompts")
        self._templates: dict[str, Template] = {}
        for name in TEMPLATES:
            path = self.folder / f"{name}.md"
            try:
                self._templates[name] = Template(path.read_text(encoding="utf-8").strip())
            except OSError:
                raise ConfigError(f"{path}: prompt template '{name}' is missing") from None

    def render(self, template_name: str, /, **values: str) -> str:
        template = self._templates[template_name]
        try:
            return template.substitute(values)
        except KeyError as exc:
            raise ConfigError(f"{self.folder / template_name}.md: unknown placeholder ${{{exc.args[0]}}}") from None
        except ValueError as exc:
            raise ConfigError(f"{self.folder / template_name}.md: {exc}") from None


@lru_cache(maxsize=8)
def cached_prompts(folder: Path | None) -> Prompts:
    return Prompts(folder)
