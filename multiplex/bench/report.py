"""`multiplex bench report`: tables, charts and a paper-style comparison from a run folder."""

from __future__ import annotations

import csv
import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from multiplex.bench.store import RunStore
from multiplex.scoring import ScoreResult, aggregate

# Headline figures of WorldView-Bench (Mushtaq et al., arXiv 2505.09595, abstract).
PAPER = {"baseline": {"pds_entropy": 0.13}, "mas": {"pds_entropy": 0.94, "positive": 0.677, "negative": 0.024}}
MODE_ORDER = ["baseline", "contextual", "mas"]


def _mode_key(mode: str) -> tuple[int, str]:
    return (MODE_ORDER.index(mode) if mode in MODE_ORDER else len(MODE_ORDER), mode)


def summarise(records: list[dict[str, Any]], roster_size: int) -> dict[str, Any]:
    by_mode: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        by_mode[f"{r['mode']}" if len({x["model"] for x in records}) == 1 else f"{r['mode']} ({r['model']})"].append(r)
    modes: dict[str, Any] = {}
    for label in sorted(by_mode, key=_mode_key):
        rows = by_mode[label]
        ok = [r for r in rows if r["status"] == "ok"]
        results = [ScoreResult.model_validate(r["scores"]) for r in ok]
        corpus = aggregate(results, roster_size) if results else None
        per_perspective: dict[str, list[float]] = defaultdict(list)
        for result in results:
            for pid, s in result.sentiment.per_perspective.items():
                per_perspective[pid].append(s.compound)
        domains: dict[str, list[float]] = defaultdict(list)
        for r, result in zip(ok, results, strict=True):
            domains[r.get("domain") or "-"].append(result.pds_entropy)
        modes[label] = {
            "runs": len(rows),
            "ok": len(ok),
            "failed": len(rows) - len(ok),
            "mean_pds_entropy": corpus.mean_pds_entropy if corpus else None,
            "stderr_pds_entropy": corpus.stderr_pds_entropy if corpus else None,
            "pooled_pds_entropy": corpus.pooled_pds_entropy if corpus else None,
            "no_reference_share": sum(r.no_references for r in results) / len(results) if results else None,
            "distribution": corpus.distribution if corpus else {},
            "sentiment": {"positive": corpus.positive, "neutral": corpus.neutral, "negative": corpus.negative}
            if corpus
            else {},
            "sentiment_per_perspective": {k: statistics.fmean(v) for k, v in per_perspective.items()},
            "entropy_by_domain": {k: statistics.fmean(v) for k, v in domains.items()},
            "median_latency_ms": statistics.median(r["latency_ms"] for r in ok) if ok else None,
            "mean_total_tokens": statistics.fmean(r["usage"]["total_tokens"] for r in ok) if ok else None,
        }
    return {"modes": modes, "paper": PAPER}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _charts(summary: dict[str, Any], folder: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = summary["modes"]
    labels = [m for m in modes if modes[m]["mean_pds_entropy"] is not None]
    files: list[str] = []

    def save(fig: Any, ax: Any, title: str, name: str) -> None:
        ax.set_title(title)
        fig.tight_layout()
        fig.savefig(folder / name, dpi=120)
        plt.close(fig)
        files.append(name)

    if not labels:
        return files

    fig, ax = plt.subplots(figsize=(6, 4))
    means = [modes[m]["mean_pds_entropy"] * 100 for m in labels]
    errors = [modes[m]["stderr_pds_entropy"] * 100 for m in labels]
    pooled = [modes[m]["pooled_pds_entropy"] * 100 for m in labels]
    xs = range(len(labels))
    ax.bar([x - 0.2 for x in xs], means, 0.4, yerr=errors, capsize=4, label="mean ± s.e.")
    ax.bar([x + 0.2 for x in xs], pooled, 0.4, label="pooled")
    ax.set_xticks(list(xs), labels)
    ax.set_ylabel("PDS entropy (%)")
    ax.set_ylim(0, 100)
    ax.legend()
    save(fig, ax, "PDS entropy per mode", "entropy_by_mode.png")

    domains = sorted({d for m in labels for d in modes[m]["entropy_by_domain"]})
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(domains) + 1.5))
    grid = [[modes[m]["entropy_by_domain"].get(d, float("nan")) * 100 for m in labels] for d in domains]
    image = ax.imshow(grid, vmin=0, vmax=100, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(domains)), domains)
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            ax.text(j, i, f"{value:.0f}", ha="center", va="center", color="white")
    fig.colorbar(image, label="mean PDS entropy (%)")
    save(fig, ax, "PDS entropy per domain and mode", "entropy_by_domain.png")

    perspectives = sorted({p for m in labels for p in modes[m]["distribution"]})
    fig, ax = plt.subplots(figsize=(7, 4))
    bottoms = [0.0] * len(labels)
    for pid in perspectives:
        shares = [modes[m]["distribution"].get(pid, 0.0) * 100 for m in labels]
        ax.bar(labels, shares, bottom=bottoms, label=pid)
        bottoms = [b + s for b, s in zip(bottoms, shares, strict=True)]
    ax.set_ylabel("share of references (%)")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1, 0.5))
    save(fig, ax, "References over perspectives", "distribution_by_mode.png")

    fig, ax = plt.subplots(figsize=(6, 4))
    bottoms = [0.0] * len(labels)
    for label, color in (("positive", "tab:green"), ("neutral", "tab:gray"), ("negative", "tab:red")):
        shares = [modes[m]["sentiment"].get(label, 0.0) * 100 for m in labels]
        ax.bar(labels, shares, bottom=bottoms, label=label, color=color)
        bottoms = [b + s for b, s in zip(bottoms, shares, strict=True)]
    ax.set_ylabel("share of references (%)")
    ax.legend()
    save(fig, ax, "Sentiment of references per mode", "sentiment_by_mode.png")
    return files


def write_report(folder: Path, roster_size: int) -> dict[str, Any]:
    records = list(RunStore(folder).latest().values())
    summary = summarise(records, roster_size)
    manifest_path = folder / "manifest.json"
    summary["manifest"] = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else None
    (folder / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    modes = summary["modes"]
    columns = [
        "mode",
        "runs",
        "ok",
        "failed",
        "mean_pds_entropy",
        "stderr_pds_entropy",
        "pooled_pds_entropy",
        "no_reference_share",
        "median_latency_ms",
        "mean_total_tokens",
    ]
    with (folder / "summary.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*columns, "positive", "neutral", "negative"])
        for mode, row in modes.items():
            writer.writerow(
                [
                    mode,
                    *(row[c] for c in columns[1:]),
                    *(row["sentiment"].get(k) for k in ("positive", "neutral", "negative")),
                ]
            )
    charts = _charts(summary, folder)

    lines = ["# multiplex benchmark report", ""]
    if summary["manifest"]:
        cfg = summary["manifest"]["config"]
        lines += [
            f"Models: {', '.join(cfg['models'])}; modes: {', '.join(cfg['modes'])}; "
            f"questions: {cfg['questions']}; perspectives: {', '.join(cfg['perspectives'])}; "
            f"multiplex {summary['manifest']['versions']['multiplex']}, "
            f"prompts {summary['manifest']['prompts_hash']}, roster {summary['manifest']['roster_hash']}.",
            "",
        ]
    lines += [
        "| mode | ok / runs | PDS entropy (mean ± s.e.) | pooled | no reference | positive | neutral | "
        "negative | median latency | mean tokens |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for mode, row in modes.items():
        s = row["sentiment"]
        latency = "-" if row["median_latency_ms"] is None else f"{row['median_latency_ms'] / 1000:.1f} s"
        tokens = "-" if row["mean_total_tokens"] is None else f"{row['mean_total_tokens']:.0f}"
        lines.append(
            f"| {mode} | {row['ok']} / {row['runs']} | {_pct(row['mean_pds_entropy'])} ± "
            f"{_pct(row['stderr_pds_entropy'])} | {_pct(row['pooled_pds_entropy'])} | "
            f"{_pct(row['no_reference_share'])} | {_pct(s.get('positive'))} | {_pct(s.get('neutral'))} | "
            f"{_pct(s.get('negative'))} | {latency} | {tokens} |"
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
    (folder / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return summary


async def rescore(folder: Path, judge: str) -> int:
    """Score the stored answers again with another judge, without calling the agents."""
    from multiplex.scoring import ascore

    store = RunStore(folder)
    records = store.records()
    for record in records:
        if record["status"] == "ok":
            record["scores"] = (await ascore(record["text"], judge)).model_dump()
    store.rewrite(records)
    return sum(r["status"] == "ok" for r in records)
