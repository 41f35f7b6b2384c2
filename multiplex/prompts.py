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

# Each template and the placeholders multiplex fills in it: a template may use fewer, never others.
TEMPLATES: dict[str, frozenset[str]] = {
    "contextual": frozenset(),
    "considerations": frozenset(),
    "perspective": frozenset({"name", "description", "persona", "example", "task"}),
    "passages": frozenset({"passages"}),
    "planner": frozenset({"perspectives", "example_id"}),
    "synthesizer": frozenset(),
    "closing": frozenset(),
    "judge": frozenset({"perspectives"}),
    "viewpoints": frozenset(),
}


class Prompts:
    """The templates of a folder, checked whole at load: a missing file, a malformed placeholder
    or one multiplex never fills stops start-up with the file named."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or data_dir("prompts")
        self._templates: dict[str, Template] = {}
        for name, known in TEMPLATES.items():
            path = self.folder / f"{name}.md"
            try:
                template = Template(path.read_text(encoding="utf-8").strip())
            except (OSError, UnicodeDecodeError):
                raise ConfigError(f"{path}: prompt template '{name}' is missing or not UTF-8 text") from None
            if not template.is_valid():
                raise ConfigError(f"{path}: a '$' that starts no placeholder (write '$$' for a dollar sign)")
            unknown = sorted(set(template.get_identifiers()) - known)
            if unknown:
                allowed = ", ".join(f"${{{k}}}" for k in sorted(known)) or "none"
                raise ConfigError(f"{path}: unknown placeholder ${{{unknown[0]}}} (this template takes: {allowed})")
            self._templates[name] = template

    def render(self, template_name: str, /, **values: str) -> str:
        return self._templates[template_name].substitute(values)

    @property
    def texts(self) -> dict[str, str]:
        """Every template's text, by name (what the answer cache's key depends on)."""
        return {name: template.template for name, template in self._templates.items()}


@lru_cache(maxsize=8)
def cached_prompts(folder: Path | None) -> Prompts:
    return Prompts(folder)
