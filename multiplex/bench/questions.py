"""Questions and the files they come in: JSONL (`id`, `prompt`, optional `domain` and
`metadata`), CSV with a prompt column, and the WorldView-Bench layout (one header row of domains,
one numbered question per cell). A bad row is refused, naming its row, and the others are kept;
every string a row holds is checked when it is read, so that no run meets it later.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from multiplex.errors import DataError

_NUMBERED = re.compile(r"^\s*(\d+)\.\s*(.+)$", re.DOTALL)


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str
    domain: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


class Questions(list[Question]):
    """The questions read from a set, and the rows refused on the way, one line each naming its row."""

    def __init__(self, questions: Iterable[Question] = (), refused: Iterable[str] = ()) -> None:
        super().__init__(questions)
        self.refused = list(refused)


class _Refused(Exception):
    pass


def _valid_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _strings(value: object) -> list[str]:
    """Every string in a row's value, however deep (keys too): each must be text a run can send."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (*_strings(key), *_strings(item))]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


def _question(where: str, qid: object, prompt: object, domain: object = None, metadata: object = None) -> Question:
    """One row as a question, or `_Refused` saying, with the row named, what is wrong with it."""
    if isinstance(qid, bool) or not isinstance(qid, str | int) or not str(qid).strip():
        raise _Refused(f"{where}: no question id")
    name = f"{where} (id {str(qid)!r})" if _valid_text(str(qid)) else where
    if not isinstance(prompt, str):
        kind = "missing" if prompt is None else f"a {type(prompt).__name__}, not text"
        raise _Refused(f"{name}: the prompt is {kind}")
    if not prompt.strip():
        raise _Refused(f"{name}: the prompt is empty")
    texts = [str(qid), prompt, *_strings(domain), *_strings(metadata)]
    if not all(_valid_text(t) for t in texts):
        raise _Refused(f"{name}: holds invalid Unicode (bytes that are not UTF-8, or a lone surrogate)")
    return Question(
        str(qid).strip(),
        " ".join(prompt.split()),
        domain if isinstance(domain, str) and domain.strip() else None,
        metadata if isinstance(metadata, dict) else {},
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def read_jsonl(path: Path) -> Questions:
    questions, refused = [], []
    for number, raw in enumerate(path.read_bytes().splitlines(), 1):
        where = f"{path}:{number}"
        try:
            if not raw.strip():
                continue
            try:
                row = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                raise _Refused(f"{where}: not UTF-8") from None
            except json.JSONDecodeError as exc:
                raise _Refused(f"{where}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise _Refused(f"{where}: not a JSON object with 'id' and 'prompt'")
            questions.append(_question(where, row.get("id"), row.get("prompt"), row.get("domain"), row.get("metadata")))
        except _Refused as exc:
            refused.append(str(exc))
    return Questions(questions, refused)


def read_csv(path: Path | str, text: str | None = None) -> Questions:
    if text is None:
        text = Path(path).read_bytes().decode("utf-8", errors="surrogateescape")  # bad bytes: refused by row
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    rows = [(reader.line_num, row) for row in reader]
    if not rows:
        raise DataError(f"{path}: empty file")
    header = [h.strip() for h in rows[0][1]]
    lowered = [h.lower() for h in header]
    for name in ("prompt", "question"):
        if name in lowered:
            col = lowered.index(name)
            id_col = lowered.index("id") if "id" in lowered else None
            dom_col = lowered.index("domain") if "domain" in lowered else None
            questions, refused = [], []
            for n, (line, row) in enumerate(rows[1:], 1):
                if not any(cell.strip() for cell in row):
                    continue
                try:
                    if len(row) <= max(col, id_col or 0):
                        raise _Refused(f"{path}:{line}: {len(row)} fields, too few for the '{header[col]}' column")
                    qid = row[id_col] if id_col is not None else f"q{n:04d}"
                    domain = row[dom_col] if dom_col is not None and len(row) > dom_col else None
                    questions.append(_question(f"{path}:{line}", qid, row[col], domain))
                except _Refused as exc:
                    refused.append(str(exc))
            return Questions(questions, refused)
    questions = []  # WorldView-Bench: a column per domain, a numbered question per cell
    for _, row in rows[1:]:
        for domain, cell in zip(header, row, strict=False):
            match = _NUMBERED.match(cell)
            if match:
                number, prompt = int(match.group(1)), " ".join(match.group(2).split())
                questions.append(Question(f"{_slug(domain)}-{number:02d}", prompt, domain))
    if not questions:
        raise DataError(f"{path}: no 'prompt' column and no numbered questions under domain headers")
    return Questions(sorted(questions, key=lambda q: (header.index(q.domain or ""), q.id)))


def unique(questions: Questions, path: Path) -> Questions:
    seen: set[str] = set()
    kept = Questions(refused=questions.refused)
    for q in questions:
        if q.id in seen:
            kept.refused.append(f"{path}: question id {q.id!r} is used again; the later one is left out")
            continue
        seen.add(q.id)
        kept.append(q)
    return kept


def questions_sha256(questions: list[Question]) -> str:
    return hashlib.sha256("\n".join(f"{q.id}\t{q.domain}\t{q.prompt}" for q in questions).encode()).hexdigest()


def per_domain(questions: list[Question], n: int) -> list[Question]:
    """A stratified sample: `n` questions of each domain, evenly spread over its list."""
    by_domain: dict[str | None, list[Question]] = defaultdict(list)
    for q in questions:
        by_domain[q.domain].append(q)
    picked: list[Question] = []
    for group in by_domain.values():
        if len(group) <= n:
            picked += group
        else:
            picked += [group[(i * len(group)) // n] for i in range(n)]
    return picked
