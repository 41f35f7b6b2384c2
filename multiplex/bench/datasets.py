"""Question sets: JSONL, CSV with a prompt column, and the WorldView-Bench layout, plus two by
name: `sample` (the project's own 14 questions, shipped) and `worldview-bench` (the benchmark's
175 questions, fetched once from their public source, checked, and cached).

WorldView-Bench's CSV has one header row of domains and, below, one numbered question per cell
("1. Is it ever ...").
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from multiplex.errors import InvalidRequest

SAMPLE = Path(__file__).resolve().parent / "sample.jsonl"
WORLDVIEW_BENCH = "worldview-bench"
# The 175 questions in 7 domains of WorldView-Bench (Mushtaq et al., arXiv 2505.09595), as parsed
# here: a hash of their ids, domains and text, so line endings or quoting cannot hide a change.
WORLDVIEW_BENCH_QUESTIONS = 175
WORLDVIEW_BENCH_DOMAINS = 7
WORLDVIEW_BENCH_SHA256 = "7883ffaa9f83303dba475087701122e51ffd5f00f88ebfd47de67ff3158788fc"
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


def _csv(path: Path | str, text: str | None = None) -> list[Question]:
    if text is None:
        text = Path(path).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
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


def load_dataset(source: str | Path, worldview_bench_url: str | None = None) -> list[Question]:
    """A question set by name (`sample`, `worldview-bench`) or from a .jsonl or .csv file."""
    if str(source) == WORLDVIEW_BENCH:
        from multiplex.settings import WORLDVIEW_BENCH_SOURCE

        return load_worldview_bench(worldview_bench_url or WORLDVIEW_BENCH_SOURCE)
    path = SAMPLE if str(source) == "sample" else Path(source)
    if not path.is_file():
        raise InvalidRequest(f"no dataset at {path} (give a .jsonl or .csv file, 'sample' or '{WORLDVIEW_BENCH}')")
    questions = _jsonl(path) if path.suffix == ".jsonl" else _csv(path)
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise InvalidRequest(f"{path}: question ids are not unique")
    return questions


def questions_sha256(questions: list[Question]) -> str:
    return hashlib.sha256("\n".join(f"{q.id}\t{q.domain}\t{q.prompt}" for q in questions).encode()).hexdigest()


def _verified(text: str, source: str) -> list[Question]:
    try:
        questions = _csv(source, text)
    except InvalidRequest as exc:
        raise InvalidRequest(f"{source} is not the WorldView-Bench CSV: {exc.message}") from None
    domains = {q.domain for q in questions}
    digest = questions_sha256(questions)
    if (
        len(questions) != WORLDVIEW_BENCH_QUESTIONS
        or len(domains) != WORLDVIEW_BENCH_DOMAINS
        or digest != WORLDVIEW_BENCH_SHA256
    ):
        raise InvalidRequest(
            f"{source} is not the WorldView-Bench questions this multiplex knows: {len(questions)} questions in "
            f"{len(domains)} domains (expected {WORLDVIEW_BENCH_QUESTIONS} in {WORLDVIEW_BENCH_DOMAINS}), "
            f"sha256 {digest[:12]}... (expected {WORLDVIEW_BENCH_SHA256[:12]}...)"
        )
    return questions


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "multiplex"


def load_worldview_bench(source: str) -> list[Question]:
    """The 175 questions from `source`, a URL (fetched once, then read from the user's cache) or a
    local path; either way checked against the known question set."""
    if not source.startswith(("http://", "https://")):
        path = Path(source.removeprefix("file://"))
        try:
            return _verified(path.read_text(encoding="utf-8-sig"), str(path))
        except OSError as exc:
            raise InvalidRequest(f"cannot read WorldView-Bench at {path}: {exc.strerror}") from None
    cached = cache_dir() / f"worldview-bench-{hashlib.sha256(source.encode()).hexdigest()[:12]}.csv"
    if cached.is_file():
        return _verified(cached.read_text(encoding="utf-8"), str(cached))
    import httpx

    try:
        response = httpx.get(source, timeout=30, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise InvalidRequest(
            f"could not fetch WorldView-Bench from {source} ({type(exc).__name__}: {exc}); without network, "
            "download that file elsewhere and set MULTIPLEX_WORLDVIEW_BENCH_URL to its local path"
        ) from None
    text = response.content.decode("utf-8-sig")
    questions = _verified(text, source)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(cached)
    return questions


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
