"""WorldView-Bench's 175 questions in 7 domains (Mushtaq et al., arXiv 2505.09595), read from
their public CSV (fetched once and cached, `fetch.py`) or from a local copy, a file or the folder
holding it, and checked against the question set this multiplex knows."""

from __future__ import annotations

from pathlib import Path

from multiplex.bench.fetch import fetched, is_url
from multiplex.bench.questions import Questions, questions_sha256, read_csv
from multiplex.errors import DataError

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
    """The 175 questions from `source`: the CSV's URL (fetched once, then read from the user's
    cache), or a local copy, the file or the folder holding it; either way checked against the
    known question set (its parsed questions, so that line endings or quoting do not matter)."""
    if is_url(source):
        folder, _, name = source.rpartition("/")
    else:
        path = Path(source.removeprefix("file://"))
        folder, name = (str(path), FILE) if path.is_dir() else (str(path.parent), path.name)
    data = fetched(folder, name, None, "MULTIPLEX_WORLDVIEW_BENCH_URL")
    return _verified(data.decode("utf-8-sig"), source)
