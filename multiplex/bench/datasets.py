"""The question sets, by name or by file: the one place that knows every loader.

`sample` (the project's own 14 questions, shipped), `worldview-bench` (bench/worldview_bench.py),
`perspectrum` and `argkp` (bench/viewpoint_sets.py), or a .jsonl or .csv file (bench/questions.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from multiplex.bench import viewpoint_sets
from multiplex.bench.questions import Question, Questions, per_domain, questions_sha256, read_csv, read_jsonl, unique
from multiplex.bench.worldview_bench import WORLDVIEW_BENCH, WORLDVIEW_BENCH_SHA256, load_worldview_bench
from multiplex.errors import DataError
from multiplex.settings import WORLDVIEW_BENCH_SOURCE

__all__ = [
    "NAMED",
    "WORLDVIEW_BENCH_SHA256",
    "Question",
    "Questions",
    "load_dataset",
    "per_domain",
    "questions_sha256",
    "select",
]
SAMPLE = Path(__file__).resolve().parent / "sample.jsonl"
NAMED = ("sample", WORLDVIEW_BENCH, "perspectrum", "argkp")


def load_dataset(source: str | Path, sources: Mapping[str, str] | None = None) -> Questions:
    """A question set by name (`sample`, `worldview-bench`, `perspectrum`, `argkp`; `sources` may
    say where the named sets are read from, name -> URL or folder) or from a .jsonl or .csv file.
    A bad row is refused (listed in `refused`, naming its row), and the others are kept."""
    where = dict(sources or {})
    if str(source) == WORLDVIEW_BENCH:
        return load_worldview_bench(where.get(WORLDVIEW_BENCH, WORLDVIEW_BENCH_SOURCE))
    if str(source) == viewpoint_sets.PERSPECTRUM:
        return viewpoint_sets.load_perspectrum(where.get(viewpoint_sets.PERSPECTRUM, viewpoint_sets.PERSPECTRUM_SOURCE))
    if str(source) == viewpoint_sets.ARGKP:
        return viewpoint_sets.load_argkp(where.get(viewpoint_sets.ARGKP, viewpoint_sets.ARGKP_SOURCE))
    path = SAMPLE if str(source) == "sample" else Path(source)
    if not path.is_file():
        raise DataError(f"no dataset at {path} (give a .jsonl or .csv file, or one of {', '.join(NAMED)})")
    try:
        questions = unique(read_jsonl(path) if path.suffix == ".jsonl" else read_csv(path), path)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from None
    if not questions:
        reasons = "; ".join(questions.refused[:3])
        raise DataError(f"{path}: no question could be read" + (f" ({reasons})" if reasons else ""))
    return questions


def select(
    questions: Questions, name: str, *, split: str | None = None, domains: int | None = None, limit: int | None = None
) -> list[Question]:
    """The questions a run asks, as `bench run` and the harness tasks pick them: one `split`, then
    `domains` questions of each domain (evenly spread), then the first `limit`."""
    chosen = [q for q in questions if split is None or q.metadata.get("split") == split]
    if split is not None and not chosen:
        raise DataError(f"no question of {name} is in the split '{split}'")
    return (per_domain(chosen, domains) if domains else chosen)[:limit]
