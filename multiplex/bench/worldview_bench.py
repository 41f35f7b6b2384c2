"""WorldView-Bench's 175 questions in 7 domains (Mushtaq et al., arXiv 2505.09595), read from
their public CSV (fetched once and cached) or from a local copy, a file or the folder holding it,
and checked against the question set this multiplex knows."""

from __future__ import annotations

import hashlib
from pathlib import Path

from multiplex.bench.questions import Questions, questions_sha256, read_csv
from multiplex.errors import DataError
from multiplex.resources import cache_dir

WORLDVIEW_BENCH = "worldview-bench"
FILE = "WorldView-Bench Dataset.csv"
# The 175 questions in 7 domains of WorldView-Bench (Mushtaq et al., arXiv 2505.09595), as parsed
# here: a hash of their ids, domains and text, so line endings or quoting cannot hide a change.
WORLDVIEW_BENCH_QUESTIONS = 175
WORLDVIEW_BENCH_DOMAINS = 7
WORLDVIEW_BENCH_SHA256 = "7883ffaa9f83303dba475087701122e51ffd5f00f88ebfd47de67ff3158788fc"


def _verified(text: str, source: str) -> Questions:
    try:
        questions = read_csv(source, text)
    except DataError as exc:
        raise DataError(f"{source} is not the WorldView-Bench CSV: {exc.message}") from None
    domains = {q.domain for q in questions}
    digest = questions_sha256(questions)
    if (
        len(questions) != WORLDVIEW_BENCH_QUESTIONS
        or len(domains) != WORLDVIEW_BENCH_DOMAINS
        or digest != WORLDVIEW_BENCH_SHA256
    ):
        raise DataError(
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
        if path.is_dir():  # a folder holding the file, as the other sets' variables take
            path = path / FILE
        try:
            return _verified(path.read_text(encoding="utf-8-sig"), str(path))
        except OSError as exc:
            raise DataError(f"cannot read WorldView-Bench at {path}: {exc.strerror}") from None
    cached = cache_dir() / f"worldview-bench-{hashlib.sha256(source.encode()).hexdigest()[:12]}.csv"
    if cached.is_file():
        return _verified(cached.read_text(encoding="utf-8"), str(cached))
    import httpx

    try:
        response = httpx.get(source, timeout=30, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise DataError(
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
