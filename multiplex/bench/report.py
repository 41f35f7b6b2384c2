"""`multiplex bench report`: tables, charts and a paper-style comparison from a run folder."""

from __future__ import annotations

import csv
import json
import re
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from multiplex.bench.charts import write_charts
from multiplex.bench.store import RunStore
from multiplex.roster import Roster
from multiplex.scoring import ScoreResult, aggregate
from multiplex.scoring.lexicon import extractor_for
from multiplex.scoring.synthesis import mentions_process

# Headline figures of WorldView-Bench (Mushtaq et al., arXiv 2505.09595, abstract).
PAPER = {"baseline": {"pds_entropy": 0.13}, "mas": {"pds_entropy": 0.94, "positive": 0.677, "negative": 0.024}}
MODE_ORDER = ["baseline", "contextual", "mas"]


def _mode_key(mode: str) -> tuple[int, str]:
    return (MODE_ORDER.index(mode.split(" ")[0]) if mode.split(" ")[0] in MODE_ORDER else len(MODE_ORDER), mode)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


COPIED_WORDS = 8  # a run of this many words shared with the card's example is a copy
_WORD = re.compile(r"[\w']+")


def _runs(words: list[str]) -> list[tuple[str, ...]]:
    return [tuple(words[i : i + COPIED_WORDS]) for i in range(len(words) - COPIED_WORDS + 1)]


def _without_copies(text: str, source: str) -> str:
    """`text` with every run of COPIED_WORDS or more words that also appears in `source` cut out."""
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    copied = [False] * len(spans)
    source_runs = set(_runs(_WORD.findall(source.lower())))
    for i, run in enumerate(_runs([text[a:b].lower() for a, b in spans])):
        if run in source_runs:
            copied[i : i + COPIED_WORDS] = [True] * COPIED_WORDS
    kept, at = [], 0
    for (start, end), cut in zip(spans, copied, strict=True):
        if cut:
            kept.append(text[at:start])
            at = end
    return "".join(kept) + text[at:]


def _voices(record: dict[str, Any], roster: Roster) -> list[tuple[bool, bool]]:
    """For each ok draft of a mas record: (does it name its own tradition in words the model
    wrote, did it copy a run of words from its card's example)."""
    cards = {card.id: card for card in roster}
    extractor = extractor_for(roster)
    found = []
    for p in record.get("perspectives") or []:
        card = cards.get(p["id"])
        if p["status"] != "ok" or card is None:
            continue
        text = p["content"]
        if card.opening and text.startswith(card.opening):
            text = text[len(card.opening) :]
        written = _without_copies(text, card.example) if card.example else text
        own = any(ref.perspective == card.id for ref in extractor.extract(written))
        found.append((own, written != text))
    return found


def own_voice(record: dict[str, Any], roster: Roster) -> list[bool]:
    """For each ok draft of a mas record: does it name its own tradition in words the model wrote?
    Words multiplex wrote do not count: the card's opening, and runs of words copied from its example."""
    return [own for own, _ in _voices(record, roster)]


def _synthesis(results: list[ScoreResult], records: list[dict[str, Any]], roster: Roster) -> dict[str, Any] | None:
    metrics = [r.synthesis for r in results if r.synthesis is not None]
    if not metrics:
        return None
    voices = [v for record in records for v in _voices(record, roster)]
    return {
        "answers": len(metrics),
        "drafts": max(len(m.retention) for m in metrics),
        "median_retention_min": _median([m.retention_min for m in metrics if m.retention_min is not None]),
        "mean_retention_min": _mean([m.retention_min for m in metrics if m.retention_min is not None]),
        "mean_retention": _mean([v for m in metrics for v in m.retention.values()]),
        "median_distinct_drafts": _median([m.distinct_drafts for m in metrics]),
        "mean_distinct_drafts": _mean([m.distinct_drafts for m in metrics]),
        "own_voice_share": sum(own for own, _ in voices) / len(voices) if voices else None,
        "copied_example_share": sum(copied for _, copied in voices) / len(voices) if voices else None,
    }


def _grounding(results: list[ScoreResult], records: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Quotations in the answers users read, against the sources (the scorer's check), and what the
    guard removed before they read them (its record, mas and single perspectives)."""
    checked = [r.grounding for r in results if r.grounding is not None]
    if not checked:
        return None
    quotations = sum(g.quotations for g in checked)
    unverified = sum(len(g.unverified) for g in checked)
    voices = [cited for g in checked for cited in g.voices_cited.values()]
    guarded = [r["grounding"] for r in records if r.get("grounding")]
    return {
        "answers": len(checked),
        "quotations_per_answer": quotations / len(checked),
        "verified_per_answer": (quotations - unverified) / len(checked),
        "unverified_share": unverified / quotations if quotations else None,
        "answers_with_unverified": sum(bool(g.unverified) for g in checked) / len(checked),
        "citations_per_answer": _mean([float(len(g.citations)) for g in checked]),
        "sections_cited_share": sum(voices) / len(voices) if voices else None,
        "attributions_per_answer": _mean([float(len(g.unsupported_attributions)) for g in checked]),
        "removed_per_answer": _mean([float(g["removed"]) for g in guarded]) if guarded else None,
    }


def summarise(records: list[dict[str, Any]], roster: Roster) -> dict[str, Any]:
    by_mode: dict[str, list[dict[str, Any]]] = defaultdict(list)
    several_models = len({x["model"] for x in records}) > 1
    for r in records:
        by_mode[f"{r['mode']} ({r['model']})" if several_models else r["mode"]].append(r)
    modes: dict[str, Any] = {}
    for label in sorted(by_mode, key=_mode_key):
        rows = by_mode[label]
        ok = [r for r in rows if r["status"] == "ok"]
        scored = [r for r in ok if r.get("scores")]
        results = [ScoreResult.model_validate(r["scores"]) for r in scored]
        corpus = aggregate(results, len(roster)) if results else None
        per_perspective: dict[str, list[float]] = defaultdict(list)
        for result in results:
            for pid, s in result.sentiment.per_perspective.items():
                per_perspective[pid].append(s.compound)
        domains: dict[str, list[float]] = defaultdict(list)
        for r, result in zip(scored, results, strict=True):
            domains[r.get("domain") or "-"].append(result.pds_entropy)
        modes[label] = {
            "runs": len(rows),
            "ok": len(ok),
            "failed": len(rows) - len(ok),
            "unscored": len(ok) - len(scored),
            "mean_pds_entropy": corpus.mean_pds_entropy if corpus else None,
            "stderr_pds_entropy": corpus.stderr_pds_entropy if corpus else None,
            "pooled_pds_entropy": corpus.pooled_pds_entropy if corpus else None,
            "no_reference_share": sum(r.no_references for r in results) / len(results) if results else None,
            "process_talk_share": sum(mentions_process(r["text"]) for r in ok) / len(ok) if ok else None,
            "distribution": corpus.distribution if corpus else {},
            "sentiment": {"positive": corpus.positive, "neutral": corpus.neutral, "negative": corpus.negative}
            if corpus
            else {},
            "sentiment_per_perspective": {k: statistics.fmean(v) for k, v in per_perspective.items()},
            "entropy_by_domain": {k: statistics.fmean(v) for k, v in domains.items()},
            "synthesis": _synthesis(results, scored, roster),
            "grounding": _grounding(results, scored),
            "median_latency_ms": _median([r["latency_ms"] for r in ok]),
            "mean_total_tokens": _mean([r["usage"]["total_tokens"] for r in ok]),
        }
    return {"modes": modes, "paper": PAPER}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


COLUMNS = [
    "runs",
    "ok",
    "failed",
    "unscored",
    "mean_pds_entropy",
    "stderr_pds_entropy",
    "pooled_pds_entropy",
    "no_reference_share",
    "process_talk_share",
    "median_latency_ms",
    "mean_total_tokens",
]
SYNTHESIS_COLUMNS = [
    "median_retention_min",
    "mean_retention_min",
    "mean_retention",
    "median_distinct_drafts",
    "mean_distinct_drafts",
    "own_voice_share",
    "copied_example_share",
]


def _write_csv(modes: dict[str, Any], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["mode", *COLUMNS, "positive", "neutral", "negative", *SYNTHESIS_COLUMNS])
        for mode, row in modes.items():
            synthesis = row["synthesis"] or {}
            writer.writerow(
                [
                    mode,
                    *(row[c] for c in COLUMNS),
                    *(row["sentiment"].get(k) for k in ("positive", "neutral", "negative")),
                    *(synthesis.get(c) for c in SYNTHESIS_COLUMNS),
                ]
            )


def markdown(summary: dict[str, Any], charts: list[str]) -> str:
    modes = summary["modes"]
    lines = ["# multiplex benchmark report", ""]
    if summary.get("manifest"):
        cfg = summary["manifest"]["config"]
        lines += [
            f"Models: {', '.join(cfg['models'])}; modes: {', '.join(cfg['modes'])}; "
            f"questions: {cfg['questions']}; perspectives: {', '.join(cfg['perspectives'])}; "
            f"max tokens: {cfg.get('max_tokens') or 'default'}; "
            f"multiplex {summary['manifest']['versions']['multiplex']}, "
            f"prompts {summary['manifest']['prompts_hash']}, roster {summary['manifest']['roster_hash']}.",
            "",
        ]
    lines += [
        "| mode | ok / runs | PDS entropy (mean ± s.e.) | pooled | no reference | process talk | positive | "
        "neutral | negative | median latency | mean tokens |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for mode, row in modes.items():
        s = row["sentiment"]
        latency = "-" if row["median_latency_ms"] is None else f"{row['median_latency_ms'] / 1000:.1f} s"
        lines.append(
            f"| {mode} | {row['ok']} / {row['runs']} | {_pct(row['mean_pds_entropy'])} ± "
            f"{_pct(row['stderr_pds_entropy'])} | {_pct(row['pooled_pds_entropy'])} | "
            f"{_pct(row['no_reference_share'])} | {_pct(row['process_talk_share'])} | {_pct(s.get('positive'))} | "
            f"{_pct(s.get('neutral'))} | {_pct(s.get('negative'))} | {latency} | {_num(row['mean_total_tokens'], 0)} |"
        )
    unscored = {mode: row["unscored"] for mode, row in modes.items() if row["unscored"]}
    if unscored:
        lines += [
            "",
            "Answers without scores (the judge failed): " + ", ".join(f"{m} {n}" for m, n in unscored.items()),
        ]
    synthesised = {mode: row["synthesis"] for mode, row in modes.items() if row["synthesis"]}
    if synthesised:
        lines += [
            "",
            "Synthesis against its drafts (retention 0..1 per voice; distinct drafts 1..N, Vendi score; own voice: "
            "drafts that name their own tradition in words the model wrote; copied: drafts that repeat a run of "
            f"{COPIED_WORDS} words from their card's example, which own voice leaves out):",
            "",
            "| mode | answers | lowest retention (median / mean) | retention (mean) | distinct drafts (median / mean) "
            "| own voice | copied |",
            "|---|---|---|---|---|---|---|",
        ]
        for mode, syn in synthesised.items():
            lines.append(
                f"| {mode} | {syn['answers']} | {_num(syn['median_retention_min'])} / "
                f"{_num(syn['mean_retention_min'])} "
                f"| {_num(syn['mean_retention'])} | {_num(syn['median_distinct_drafts'], 1)} / "
                f"{_num(syn['mean_distinct_drafts'], 1)} of {syn['drafts']} | {_pct(syn['own_voice_share'])} "
                f"| {_pct(syn['copied_example_share'])} |"
            )
    grounded = {mode: row["grounding"] for mode, row in modes.items() if row.get("grounding")}
    if grounded:
        lines += [
            "",
            "Quotations in the answers as users read them, checked against the sources (quoted spans of five words "
            "or more; not found: no source holds the words; sections cited: answered voices whose section holds a "
            "verified quotation of their own works; removed: what the guard took out before the user read it):",
            "",
            "| mode | answers | quotations per answer | not found in a source | answers with one | citations per "
            "answer | sections cited | attributions without a quotation | removed by the guard |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for mode, g in grounded.items():
            lines.append(
                f"| {mode} | {g['answers']} | {_num(g['quotations_per_answer'], 1)} | {_pct(g['unverified_share'])} | "
                f"{_pct(g['answers_with_unverified'])} | {_num(g['citations_per_answer'], 1)} | "
                f"{_pct(g['sections_cited_share'])} | {_num(g['attributions_per_answer'], 1)} | "
                f"{_num(g['removed_per_answer'], 1)} |"
            )
    lines += [
        "",
        "Beside WorldView-Bench (arXiv 2505.09595, abstract):",
        "",
        "| figure | WorldView-Bench | this run |",
        "|---|---|---|",
    ]
    for mode, figures in PAPER.items():
        ours = next((row for label, row in modes.items() if label.split(" ")[0] == mode), None)
        for name, value in figures.items():
            mine = (
                None
                if ours is None
                else (ours["mean_pds_entropy"] if name == "pds_entropy" else ours["sentiment"].get(name))
            )
            lines.append(f"| {mode} {name.replace('_', ' ')} | {_pct(value)} | {_pct(mine)} |")
    perspectives = sorted({p for row in modes.values() for p in row["sentiment_per_perspective"]})
    if perspectives:
        lines += [
            "",
            "Mean VADER compound of the references to each perspective:",
            "",
            "| mode | " + " | ".join(perspectives) + " |",
            "|---" * (len(perspectives) + 1) + "|",
        ]
        for mode, row in modes.items():
            values = [row["sentiment_per_perspective"].get(p) for p in perspectives]
            lines.append(f"| {mode} | " + " | ".join("-" if v is None else f"{v:+.2f}" for v in values) + " |")
    lines += [""] + [f"![{c}]({c})" for c in charts]
    return "\n".join(lines) + "\n"


def write_report(folder: Path, roster: Roster) -> dict[str, Any]:
    records = list(RunStore(folder).latest().values())
    summary = summarise(records, roster)
    manifest_path = folder / "manifest.json"
    summary["manifest"] = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else None
    (folder / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    _write_csv(summary["modes"], folder / "summary.csv")
    charts = write_charts(summary, folder)
    (folder / "report.md").write_text(markdown(summary, charts), encoding="utf-8")
    return summary
