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
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from multiplex.errors import InvalidRequest
from multiplex.resources import cache_dir

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


def _jsonl(path: Path) -> Questions:
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


def _csv(path: Path | str, text: str | None = None) -> Questions:
    if text is None:
        text = Path(path).read_bytes().decode("utf-8", errors="surrogateescape")  # bad bytes: refused by row
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    rows = [(reader.line_num, row) for row in reader]
    if not rows:
        raise InvalidRequest(f"{path}: empty file")
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
        raise InvalidRequest(f"{path}: no 'prompt' column and no numbered questions under domain headers")
    return Questions(sorted(questions, key=lambda q: (header.index(q.domain or ""), q.id)))


def _unique(questions: Questions, path: Path) -> Questions:
    seen: set[str] = set()
    kept = Questions(refused=questions.refused)
    for q in questions:
        if q.id in seen:
            kept.refused.append(f"{path}: question id {q.id!r} is used again; the later one is left out")
            continue
        seen.add(q.id)
        kept.append(q)
    return kept


NAMED = ("sample", WORLDVIEW_BENCH, "perspectrum", "argkp")


def load_dataset(source: str | Path, sources: Mapping[str, str] | None = None) -> Questions:
    """A question set by name (`sample`, `worldview-bench`, `perspectrum`, `argkp`; `sources` may
    say where the named sets are read from, name -> URL or folder) or from a .jsonl or .csv file.
    A bad row is refused (listed in `refused`, naming its row), and the others are kept."""
    from multiplex.bench import viewpoint_sets

    where = dict(sources or {})
    if str(source) == WORLDVIEW_BENCH:
        from multiplex.settings import WORLDVIEW_BENCH_SOURCE

        return load_worldview_bench(where.get(WORLDVIEW_BENCH, WORLDVIEW_BENCH_SOURCE))
    if str(source) == viewpoint_sets.PERSPECTRUM:
        return viewpoint_sets.load_perspectrum(where.get(viewpoint_sets.PERSPECTRUM, viewpoint_sets.PERSPECTRUM_SOURCE))
    if str(source) == viewpoint_sets.ARGKP:
        return viewpoint_sets.load_argkp(where.get(viewpoint_sets.ARGKP, viewpoint_sets.ARGKP_SOURCE))
    path = SAMPLE if str(source) == "sample" else Path(source)
    if not path.is_file():
        raise InvalidRequest(f"no dataset at {path} (give a .jsonl or .csv file, or one of {', '.join(NAMED)})")
    try:
        questions = _unique(_jsonl(path) if path.suffix == ".jsonl" else _csv(path), path)
    except OSError as exc:
        raise InvalidRequest(f"cannot read {path}: {exc.strerror}") from None
    if not questions:
        reasons = "; ".join(questions.refused[:3])
        raise InvalidRequest(f"{path}: no question could be read" + (f" ({reasons})" if reasons else ""))
    return questions


def questions_sha256(questions: list[Question]) -> str:
    return hashlib.sha256("\n".join(f"{q.id}\t{q.domain}\t{q.prompt}" for q in questions).encode()).hexdigest()


def _verified(text: str, source: str) -> Questions:
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


def load_worldview_bench(source: str) -> Questions:
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
