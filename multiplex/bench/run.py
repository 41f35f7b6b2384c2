"""`multiplex bench run`: every (question, mode, model) through the engine and the scorer."""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import logging
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import multiplex
from multiplex.bench.questions import Question
from multiplex.bench.store import Key, RunStore, key_of
from multiplex.errors import DataError, MultiplexError
from multiplex.graph import Engine, RunRequest
from multiplex.graph.state import Mode
from multiplex.llm import LLM, GenerationParams
from multiplex.scoring.viewpoints import Viewpoint, read_viewpoints
from multiplex.settings import Settings

log = logging.getLogger("multiplex.bench")

MANIFEST = "manifest.json"


# The wordings `--variants K` asks each question in: the first K of these, deterministic, the same
# for every mode. Each keeps the question's words and changes only how it is put.
WORDINGS = (
    "{question}",
    "Here is a question I have been thinking about. {question}",
    "{question} What is your answer?",
    "Please answer this question: {question}",
)
SEED = 1  # with --repeats or --variants, run r (0-based) of a question asks with seed SEED + r


@dataclass(frozen=True)
class Task:
    question: Question
    mode: Mode
    model: str
    variant: int = 0  # which of WORDINGS
    repeat: int = 0
    seeded: bool = False  # part of a stability run: every run asks with a seed

    @property
    def key(self) -> Key:
        return (self.question.id, self.mode, self.model, self.variant, self.repeat)

    @property
    def prompt(self) -> str:
        return WORDINGS[self.variant].format(question=self.question.prompt)

    @property
    def seed(self) -> int | None:
        return SEED + self.repeat if self.seeded else None


@dataclass(frozen=True)
class BenchConfig:
    """What a bench run asks of every question: its modes and models, the perspectives of mas,
    how many runs at once, this machine's shard, each agent call's max tokens, and how often
    (repeats with other seeds, variants in other wordings)."""

    modes: tuple[Mode, ...]
    models: tuple[str, ...]
    perspectives: tuple[str, ...] | None = None
    concurrency: int = 4
    shard: tuple[int, int] = (1, 1)
    max_tokens: int | None = None
    repeats: int = 1
    variants: int = 1

    def manifest(self, roster: list[str], questions: int) -> dict[str, Any]:
        return {
            "modes": list(self.modes),
            "models": list(self.models),
            "perspectives": list(self.perspectives or roster),
            "shard": f"{self.shard[0]}/{self.shard[1]}",
            "questions": questions,
            "max_tokens": self.max_tokens,
            "repeats": self.repeats,
            "variants": self.variants,
        }


def parse_shard(text: str | None) -> tuple[int, int]:
    if not text:
        return (1, 1)
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise DataError(f"--shard takes I/N, like 2/3, not '{text}'") from None
    if not 1 <= index <= count:
        raise DataError(f"--shard {text}: I must be between 1 and N")
    return (index, count)


def plan(questions: list[Question], config: BenchConfig) -> list[Task]:
    """All tasks in a fixed order; shard I/N takes every N-th, starting at the I-th. With `repeats`,
    each question as asked runs that many times with other seeds; with `variants`, it is also
    asked in that many wordings (once each, the first seed): the spread across seeds and across
    wordings, each from the same first run."""
    repeats, variants = config.repeats, config.variants
    if not 1 <= variants <= len(WORDINGS):
        raise DataError(f"--variants takes 1 to {len(WORDINGS)}, not {variants}")
    if repeats < 1:
        raise DataError(f"--repeats takes 1 or more, not {repeats}")
    seeded = repeats > 1 or variants > 1
    runs = [(0, r) for r in range(repeats)] + [(v, 0) for v in range(1, variants)]
    tasks = [
        Task(q, mode, model, variant, repeat, seeded)
        for q in questions
        for model in config.models
        for mode in config.modes
        for variant, repeat in runs
    ]
    index, count = config.shard
    return tasks[index - 1 :: count]


def _hash_folder(folder: Path, pattern: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.glob(pattern)):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def write_manifest(out: Path, engine: Engine, config: dict[str, Any]) -> None:
    import langgraph
    import litellm

    manifest = {
        "config": config,
        "roster": engine.roster.ids,
        "roster_hash": hashlib.sha256(
            json.dumps([p.model_dump() for p in engine.roster], sort_keys=True).encode()
        ).hexdigest()[:16],
        "prompts_hash": _hash_folder(engine.prompts.folder, "*.md"),
        "versions": {
            "multiplex": multiplex.__version__,
            "python": platform.python_version(),
            "litellm": getattr(litellm, "__version__", None) or _dist_version("litellm"),
            "langgraph": getattr(langgraph, "__version__", None) or _dist_version("langgraph"),
        },
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _dist_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def viewpoints_of(question: Question) -> tuple[Viewpoint, ...] | None:
    """The people's viewpoints a question comes with (perspectrum, argkp), scored for coverage."""
    data = question.metadata.get("viewpoints")
    return tuple(read_viewpoints(data, question.id)) if data else None


async def run_task(engine: Engine, task: Task, perspectives: tuple[str, ...] | None) -> dict:
    """One run, as the record the store keeps: the question beside the run's own record (its dump,
    the same fields `ask --json` prints), or the error that stopped it."""
    record: dict[str, Any] = {
        "question_id": task.question.id,
        "domain": task.question.domain,
        "prompt": task.prompt,
        "mode": task.mode,
        "model": task.model,
        "variant": task.variant,
        "repeat": task.repeat,
        "seed": task.seed,
        "started_at": time.time(),
        "viewpoints": task.question.metadata.get("viewpoints"),  # what its coverage is scored against, again too
    }
    started = time.perf_counter()
    try:
        result = await engine.run(
            RunRequest.ask(
                task.prompt,  # in the task's wording, with its seed: what the stability table compares
                mode=task.mode,
                perspectives=perspectives if task.mode == "mas" else None,
                params=GenerationParams(seed=task.seed),
                viewpoints=viewpoints_of(task.question),
            )
        )
    except Exception as exc:  # one run's failure is its record, never the batch's end
        message = exc.message if isinstance(exc, MultiplexError) else f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, MultiplexError):
            log.exception("run %s failed unexpectedly", task.key)
        record.update(status="failed", error=message, latency_ms=round((time.perf_counter() - started) * 1000, 1))
        return record
    return {**record, "status": "ok", "error": None, **result.model_dump(mode="json", exclude={"mode", "model"})}


async def run_bench(
    questions: list[Question],
    out: Path,
    settings: Settings,
    config: BenchConfig,
    on_progress: Callable[[dict[str, Any] | None, int, int], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
) -> tuple[int, int]:
    """Runs what is missing in `out`; returns (ok, failed) counts of this invocation. One run at a
    time writes to a folder: a second one started on it stops at once, saying so."""
    out.mkdir(parents=True, exist_ok=True)
    with _only_writer(out):
        return await _run_bench(questions, out, settings, config, on_progress, on_notice)


@contextmanager
def _only_writer(out: Path) -> Iterator[None]:
    with (out / ".lock").open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DataError(
                f"another bench run is writing to {out}: wait for it to finish, or give this one another --out"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def _run_bench(
    questions: list[Question],
    out: Path,
    settings: Settings,
    config: BenchConfig,
    on_progress: Callable[[dict[str, Any] | None, int, int], None] | None,
    on_notice: Callable[[str], None] | None,
) -> tuple[int, int]:
    store = RunStore(out)
    if store.repaired and on_notice:
        on_notice(store.repaired)
    llm = LLM(settings)  # one pool and one embedded model for every engine
    # --max-tokens caps each agent call (the engine's own budget), not the answer a client reads
    each_call = {"max_tokens": config.max_tokens} if config.max_tokens else {}
    engines = {
        m: Engine.from_settings(settings.model_copy(update={"model": m, **each_call}), llm) for m in config.models
    }
    first = engines[config.models[0]]
    perspectives = config.perspectives
    if perspectives:
        first.roster.subset(perspectives)
    write_manifest(out, first, config.manifest(first.roster.ids, len(questions)))
    done = store.done()
    todo = [t for t in plan(questions, config) if t.key not in done]
    total = len(todo)
    if on_progress:
        on_progress(None, 0, total)
    semaphore = asyncio.Semaphore(config.concurrency)
    counts = {"ok": 0, "failed": 0}

    async def one(task: Task) -> None:
        async with semaphore:
            record = await run_task(engines[task.model], task, perspectives)
        store.append(record)
        counts[record["status"]] += 1
        if on_progress:
            on_progress(record, counts["ok"] + counts["failed"], total)

    await asyncio.gather(*(one(t) for t in todo))
    return counts["ok"], counts["failed"]


def merge(out: Path, sources: list[Path]) -> int:
    """Join shard folders into `out`: the best record of each key (ok over failed, then latest)."""
    merged: dict[Key, dict[str, Any]] = {}
    for source in sources:
        for key, record in RunStore(source).latest().items():
            if record["status"] == "ok" or merged.get(key, {}).get("status") != "ok":
                merged[key] = record
    store = RunStore(out)
    store.rewrite(sorted(merged.values(), key=key_of))
    manifest = sources[0] / MANIFEST
    if manifest.exists():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        data["config"]["shard"] = f"merged from {len(sources)}"
        (out / MANIFEST).write_text(json.dumps(data, indent=2), encoding="utf-8")
    return len(merged)
