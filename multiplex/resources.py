"""Where the shipped data folders (agents/, prompts/) live.

In a wheel they are force-included under `multiplex/_data/`; in a source checkout (editable
install, tests) they sit at the repository root beside the package.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the shipped '{name}' folder is missing from this installation")


def cache_dir() -> Path:
    """Where multiplex keeps what it fetched or built once: $XDG_CACHE_HOME/multiplex or ~/.cache/multiplex."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "multiplex"
