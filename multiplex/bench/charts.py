"""The charts of a bench report (PNG, matplotlib off-screen). Where matplotlib is not installed
(the container image leaves it out: it serves answers, it does not plot) the report is written
without its charts and says so."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

MISSING = "No charts: matplotlib is not installed here (`pip install matplotlib`, then `multiplex bench report` again)."


def can_plot() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def write_charts(summary: dict[str, Any], folder: Path) -> list[str]:
    if not can_plot():
        return []
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
    if perspectives:  # no answer referred to any: bars of nothing, no legend
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

    synthesised = [m for m in labels if modes[m]["synthesis"]]
    if synthesised:
        fig, (left, right) = plt.subplots(1, 2, figsize=(8, 4))
        xs = range(len(synthesised))
        left.bar(
            [x - 0.2 for x in xs],
            [modes[m]["synthesis"]["median_retention_min"] for m in synthesised],
            0.4,
            label="lowest voice (median)",
        )
        left.bar(
            [x + 0.2 for x in xs],
            [modes[m]["synthesis"]["mean_retention"] for m in synthesised],
            0.4,
            label="every voice (mean)",
        )
        left.set_xticks(list(xs), synthesised)
        left.set_ylim(0, 1)
        left.set_ylabel("retention of the drafts")
        left.legend(fontsize=8)
        right.bar(
            synthesised, [modes[m]["synthesis"]["median_distinct_drafts"] for m in synthesised], color="tab:purple"
        )
        right.set_ylim(0, max(modes[m]["synthesis"]["drafts"] for m in synthesised) or 1)
        right.set_ylabel("distinct drafts (median, Vendi)")
        save(fig, left, "Does the answer keep every voice?", "synthesis_by_mode.png")

    grounded = [m for m in labels if modes[m].get("grounding")]
    if grounded:
        fig, (left, right) = plt.subplots(1, 2, figsize=(8, 4))
        verified = [modes[m]["grounding"]["verified_per_answer"] for m in grounded]
        invented = [modes[m]["grounding"]["quotations_per_answer"] - v for m, v in zip(grounded, verified, strict=True)]
        left.bar(grounded, verified, label="found in a source", color="tab:green")
        left.bar(grounded, invented, bottom=verified, label="no source holds it", color="tab:red")
        left.set_ylabel("quotations per answer")
        left.legend(fontsize=8)
        cited = [(modes[m]["grounding"]["sections_cited_share"] or 0.0) * 100 for m in grounded]
        right.bar(grounded, cited, color="tab:blue")
        right.set_ylim(0, 100)
        right.set_ylabel("voices quoting their own texts (%)")
        save(fig, left, "Are the quotations real?", "grounding_by_mode.png")

    covering = [m for m in labels if modes[m].get("viewpoints")]
    if covering:
        fig, ax = plt.subplots(figsize=(6, 4))
        stances = sorted({s for m in covering for s in modes[m]["viewpoints"]["by_stance"]})
        groups = [("all", [modes[m]["viewpoints"]["coverage"] for m in covering])] + [
            (s, [modes[m]["viewpoints"]["by_stance"].get(s) for m in covering]) for s in stances
        ]
        width = 0.8 / len(groups)
        for i, (name, figures) in enumerate(groups):
            positions = [x + (i - (len(groups) - 1) / 2) * width for x in range(len(covering))]
            means = [(f or {}).get("mean", 0.0) * 100 for f in figures]
            errors = [
                [(f["mean"] - f["ci"][0]) * 100 if f and f.get("ci") else 0.0 for f in figures],
                [(f["ci"][1] - f["mean"]) * 100 if f and f.get("ci") else 0.0 for f in figures],
            ]
            ax.bar(positions, means, width, yerr=errors, capsize=3, label=name)
        ax.set_xticks(list(range(len(covering))), covering)
        ax.set_ylim(0, 100)
        ax.set_ylabel("viewpoints covered (%, 95% interval)")
        ax.legend(fontsize=8)
        save(fig, ax, "Coverage of people's viewpoints", "viewpoints_by_mode.png")
    return files
