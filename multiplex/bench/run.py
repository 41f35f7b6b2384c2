"""`multiplex bench run`: every (question, mode, model) through the engine and the scorer."""

from __future__ import annotations

import asyncio
import hashlib
import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import multiplex
from multiplex.bench.datasets import Question
from multiplex.bench.store import RunStore, key_of
from multiplex.errors import InvalidRequest, MultiplexError
from multiplex.graph import Engine, RunRequest
from multiplex.llm import LLM, GenerationParams
from multiplex.settings import Settings

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Task:
    question: Question
    mode: str
    model: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.question.id, self.mode, self.model)


def parse_shard(text: str | None) -> tuple[int, int]:
    if not text:
        return (1, 1)
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise InvalidRequest(f"--shard takes I/N, like 2/3, not '{text}'") from None
    if not 1 <= index <= count:
        raise InvalidRequest(f"--shard {text}: I must be between 1 and N")
    return (index, count)


def plan(questions: list[Question], modes: list[str], models: list[str], shard: tuple[int, int]) -> list[Task]:
    """All tasks in a fixed order; shard I/N takes every N-th, starting at the I-th."""
    tasks = [Task(q, mode, model) for q in questions for model in models for mode in modes]
    index, count = shard
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


async def run_task(engine: Engine, task: Task, perspectives: tuple[str, ...] | None, max_tokens: int | None) -> dict:
    """One run, as the record the store keeps: the question beside the run's own record (its dump,
    the same fields `ask --json` prints), or the error that stopped it."""
    record: dict[str, Any] = {
        "question_id": task.question.id,
        "domain": task.question.domain,
        "prompt": task.question.prompt,
        "mode": task.mode,
        "model": task.model,
        "started_at": time.time(),
    }
    started = time.perf_counter()
    try:
        result = await engine.run(
            RunRequest.ask(
                task.question.prompt,
                mode=task.mode,
                perspectives=perspectives if task.mode == "mas" else None,
                params=GenerationParams(max_tokens=max_tokens),
            )
        )
    except MultiplexError as exc:
        record.update(status="failed", error=exc.message, latency_ms=round((time.perf_counter() - started) * 1000, 1))
        return record
    return {**record, "status": "ok", "error": None, **result.model_dump(mode="json", exclude={"mode", "model"})}


async def run_bench(
    questions: list[Question],
    out: Path,
    settings: Settings,
    modes: list[str],
    models: list[str],
    perspectives: tuple[str, ...] | None,
    concurrency: int,
    shard: tuple[int, int],
    max_tokens: int | None,
    on_progress: Callable[[dict[str, Any] | None, int, int], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
) -> tuple[int, int]:
    """Runs what is missing in `out`; returns (ok, failed) counts of this invocation."""
    store = RunStore(out)
    if store.repaired and on_notice:
        on_notice(store.repaired)
    llm = LLM(settings)  # one pool and one embedded model for every engine
    engines = {m: Engine.from_settings(settings.model_copy(update={"model": m}), llm) for m in models}
    first = engines[models[0]]
    if perspectives:
        first.roster.subset(perspectives)
    write_manifest(
        out,
        first,
        {
            "modes": modes,
            "models": models,
            "perspectives": list(perspectives or first.roster.ids),
            "shard": f"{shard[0]}/{shard[1]}",
            "questions": len(questions),
            "max_tokens": max_tokens,
        },
    )
    done = store.done()
    todo = [t for t in plan(questions, modes, models, shard) if t.key not in done]
    total = len(todo)
    if on_progress:
        on_progress(None, 0, total)
    semaphore = asyncio.Semaphore(concurrency)
    counts = {"ok": 0, "failed": 0}

    async def one(task: Task) -> None:
        async with semaphore:
            record = await run_task(engines[task.model], task, perspectives, max_tokens)
        store.append(record)
        counts[record["status"]] += 1
        if on_progress:
            on_progress(record, counts["ok"] + counts["failed"], total)

    await asyncio.gather(*(one(t) for t in todo))
    return counts["ok"], counts["failed"]


def merge(out: Path, sources: list[Path]) -> int:
    """Join shard folders into `out`: the best record of each key (ok over failed, then latest)."""
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
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
