"""Question sets: JSONL, CSV with a prompt column, and the WorldView-Bench layout.

WorldView-Bench's CSV has one header row of domains and, below, one numbered question per cell
("1. Is it ever ..."). `sample` names the small question set shipped with multiplex.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from multiplex.errors import InvalidRequest

SAMPLE = Path(__file__).resolve().parent / "sample.jsonl"
_NUMBERED = re.compile(r"^\s*(\d+)\.\s*(.+)$", re.DOTALL)


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str
    domain: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _jsonl(path: Path) -> list[Question]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(Question(str(row["id"]), str(row["prompt"]), row.get("domain"), row.get("metadata") or {}))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InvalidRequest(f"{path}:{number}: not a question ({exc}); need 'id' and 'prompt'") from None
    return questions


def _csv(path: Path) -> list[Question]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise InvalidRequest(f"{path}: empty file")
    header = [h.strip() for h in rows[0]]
    lowered = [h.lower() for h in header]
    for name in ("prompt", "question"):
        if name in lowered:
            col = lowered.index(name)
            id_col = lowered.index("id") if "id" in lowered else None
            dom_col = lowered.index("domain") if "domain" in lowered else None
            return [
                Question(
                    row[id_col] if id_col is not None else f"q{n:04d}",
                    row[col].strip(),
                    row[dom_col] if dom_col is not None else None,
                )
                for n, row in enumerate(rows[1:], 1)
                if len(row) > col and row[col].strip()
            ]
    questions = []  # WorldView-Bench: a column per domain, a numbered question per cell
    for row in rows[1:]:
        for domain, cell in zip(header, row, strict=False):
            match = _NUMBERED.match(cell)
            if match:
                number, prompt = int(match.group(1)), " ".join(match.group(2).split())
                questions.append(Question(f"{_slug(domain)}-{number:02d}", prompt, domain))
    if not questions:
        raise InvalidRequest(f"{path}: no 'prompt' column and no numbered questions under domain headers")
    return sorted(questions, key=lambda q: (header.index(q.domain or ""), q.id))


def load_dataset(source: str | Path) -> list[Question]:
    path = SAMPLE if str(source) == "sample" else Path(source)
    if not path.is_file():
        raise InvalidRequest(f"no dataset at {path} (give a .jsonl or .csv file, or 'sample')")
    questions = _jsonl(path) if path.suffix == ".jsonl" else _csv(path)
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise InvalidRequest(f"{path}: question ids are not unique")
    return questions
