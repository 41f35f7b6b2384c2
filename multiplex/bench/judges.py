"""`multiplex bench score`: score a run's stored answers again with another judge, and measure
how far two judges agree.

Each judge's scores are kept in `DIR/judged/<judge>.jsonl`, one line per answer as it is scored,
so an LLM judge over hundreds of answers resumes where it stopped. Agreement is per perspective,
on the presence of a reference to it in an answer: judge A against judge B as the reference,
precision, recall, F1 and Cohen's kappa.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from multiplex.bench.store import RunStore, key_of
from multiplex.errors import MultiplexError
from multiplex.graph.cache import code_digest
from multiplex.scoring import Scorer
from multiplex.scoring.viewpoints import Viewpoint, read_viewpoints

JUDGED = "judged"


def _slug(judge: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", judge)


def drafts_of(record: dict[str, Any]) -> dict[str, str] | None:
    if record["mode"] != "mas":
        return None
    return {p["id"]: p["content"] for p in record.get("perspectives") or [] if p["status"] == "ok"} or None


def _key(record: dict[str, Any]) -> str:
    return "\t".join(str(part) for part in key_of(record))


def viewpoints_in(record: dict[str, Any]) -> list[Viewpoint] | None:
    data = record.get("viewpoints")
    return read_viewpoints(data, record["question_id"]) if data else None


async def _score(scorer: Scorer, record: dict[str, Any], judge: str, sources: bool) -> dict[str, Any]:
    """The record's answer scored as the engine scores it: its drafts, its quotations (when the
    roster has sources), its question, its viewpoints and its considerations."""
    considered = record.get("considerations") or {}
    result = await scorer.score(
        record["text"],
        drafts_of(record),
        judge,
        sources=sources,
        asked=record.get("prompt", ""),
        viewpoints=viewpoints_in(record),
        considerations=considered.get("content") if considered.get("status") == "ok" else None,
    )
    return result.model_dump()


async def judged(
    folder: Path, scorer: Scorer, judge: str, on_progress: Callable[[int, int], None] | None = None
) -> dict[str, dict[str, Any]]:
    """Scores of every ok answer by `judge`: key -> {"scores": ...} or {"error": ...}, resumable
    (and kept per version of the scoring code: other code, other scores)."""
    path = folder / JUDGED / f"{_slug(judge)}-{code_digest()}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    done: dict[str, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                saved = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn last line
            done[saved["key"]] = saved
    records = [r for r in RunStore(folder).latest().values() if r["status"] == "ok"]
    todo = [r for r in records if _key(r) not in done or "error" in done[_key(r)]]
    with path.open("a", encoding="utf-8") as handle:
        for i, record in enumerate(todo, 1):
            row: dict[str, Any] = {"key": _key(record)}
            try:
                row["scores"] = await _score(scorer, record, judge, sources=bool(scorer.sources))
            except MultiplexError as exc:
                row["error"] = exc.message
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            handle.flush()
            done[row["key"]] = row
            if on_progress:
                on_progress(i, len(todo))
    keys = {_key(r) for r in records}
    return {k: v for k, v in done.items() if k in keys}


async def rescore(
    folder: Path, scorer: Scorer, judge: str, on_progress: Callable[[int, int], None] | None = None
) -> int:
    """Replace the stored scores with `judge`'s; returns how many answers it scored."""
    scores = await judged(folder, scorer, judge, on_progress)
    store = RunStore(folder)
    records = store.records()
    for record in records:
        row = scores.get(_key(record))
        if record["status"] == "ok" and row is not None:
            record["scores"] = row.get("scores")
            record["score_error"] = row.get("error")
    store.rewrite(records)
    return sum("scores" in row for row in scores.values())


def agreement(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]], ids: list[str]) -> dict[str, Any]:
    """Per perspective: judge A's "this answer refers to it" against judge B's."""
    keys = sorted(k for k in a.keys() & b.keys() if "scores" in a[k] and "scores" in b[k])
    table: dict[str, Any] = {}
    for pid in ids:
        tp = fp = fn = tn = 0
        for key in keys:
            said = a[key]["scores"]["counts"].get(pid, 0) > 0
            truth = b[key]["scores"]["counts"].get(pid, 0) > 0
            tp += said and truth
            fp += said and not truth
            fn += truth and not said
            tn += not said and not truth
        table[pid] = _figures(tp, fp, fn, tn)
    errors = {"a": sum("error" in row for row in a.values()), "b": sum("error" in row for row in b.values())}
    return {"answers": len(keys), "errors": errors, "perspectives": table}


def _figures(tp: int, fp: int, fn: int, tn: int) -> dict[str, Any]:
    n = tp + fp + fn + tn
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1: float | None = None  # undefined when neither judge ever saw a reference
    if tp + fp + fn:
        f1 = 2 * tp / (2 * tp + fp + fn)
    kappa: float | None = None  # undefined when both judges always say the same one thing
    if n:
        observed = (tp + tn) / n
        expected = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n)
        if expected < 1:
            kappa = (observed - expected) / (1 - expected)
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall, "f1": f1, "kappa": kappa}


def agreement_markdown(result: dict[str, Any], judge: str, against: str) -> str:
    def num(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    lines = [
        f"Agreement of `{judge}` with `{against}` on which perspectives each answer refers to "
        f"({result['answers']} answers scored by both; judge failures: {judge} {result['errors']['a']}, "
        f"{against} {result['errors']['b']}):",
        "",
        "| perspective | both | only " + judge + " | only " + against + " | precision | recall | F1 | Cohen's kappa |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for pid, f in result["perspectives"].items():
        lines.append(
            f"| {pid} | {f['tp']} | {f['fp']} | {f['fn']} | {num(f['precision'])} | {num(f['recall'])} | "
            f"{num(f['f1'])} | {num(f['kappa'])} |"
        )
    return "\n".join(lines) + "\n"
