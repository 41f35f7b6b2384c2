"""`multiplex bench report`: tables, charts and a paper-style comparison from a run folder."""

from __future__ import annotations

import csv
import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from multiplex.bench import charts as plots
from multiplex.bench.stats import mean_ci, paired, spread
from multiplex.bench.store import RunStore
from multiplex.graph.sections import answer_words
from multiplex.roster import Roster
from multiplex.scoring import ScoreResult, aggregate
from multiplex.scoring.lexicon import extractor_for
from multiplex.scoring.synthesis import mentions_process
from multiplex.text.copies import without_copies

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
        written = without_copies(text, card.example, COPIED_WORDS) if card.example else text
        own = any(ref.perspective == card.id for ref in extractor.extract(written))
        found.append((own, written != text))
    return found


def own_voice(record: dict[str, Any], roster: Roster) -> list[bool]:
    """For each ok draft of a mas record: does it name its own tradition in words the model wrote?
    Words multiplex wrote do not count: the card's opening, and runs of words copied from its example."""
    return [own for own, _ in _voices(record, roster)]


def answer_figures(record: dict[str, Any], result: ScoreResult, roster: Roster) -> dict[str, float]:
    """The figures of one answer; a report's every mean is over these, one value per question."""
    words = answer_words(record["text"])
    figures: dict[str, float] = {
        "pds_entropy": result.pds_entropy,
        "no_reference": float(result.no_references),
        "process_talk": float(mentions_process(record["text"])),
        "total_tokens": float(record["usage"]["total_tokens"]),
        "words": float(words),
    }
    if result.synthesis is not None and result.synthesis.retention:
        syn = result.synthesis
        figures.update(
            retention_min=syn.retention_min or 0.0,
            retention=statistics.fmean(syn.retention.values()),
            distinct_drafts=syn.distinct_drafts,
        )
        voices = _voices(record, roster)
        if voices:
            figures["own_voice"] = statistics.fmean(own for own, _ in voices)
            figures["copied_example"] = statistics.fmean(copied for _, copied in voices)
    if result.grounding is not None:
        g = result.grounding
        figures.update(
            quotations=float(g.quotations),
            unverified=float(len(g.unverified)),
            has_unverified=float(bool(g.unverified)),
            citations=float(len(g.citations)),
            attributions=float(len(g.unsupported_attributions)),
        )
        if g.voices_cited:
            figures["sections_cited"] = statistics.fmean(g.voices_cited.values())
        if record.get("grounding"):
            kept = record["grounding"]
            figures["removed"] = float(kept["removed"])
            if record["mode"] == "mas":
                figures["claims_dropped"] = float(len(kept.get("unsupported_claims", [])))
                figures["passages_shown"] = float(len(kept.get("passages_shown", [])))
                figures["passages_withheld"] = float(kept.get("passages_withheld", 0))
    if result.viewpoints is not None:
        v = result.viewpoints
        figures["coverage"] = v.coverage
        if words:
            figures["coverage_per_100_words"] = 100 * v.coverage / words
        if v.ceiling is not None:
            figures.update(ceiling=v.ceiling, kept_of_ceiling=v.coverage - v.ceiling)
        if v.considerations is not None:
            figures.update(considerations=v.considerations, beats_considerations=float(v.coverage > v.considerations))
        figures.update({f"coverage_by_{stance}": share for stance, share in v.by_stance.items()})
        if v.balance is not None:
            figures["balance"] = v.balance
        if v.drafts:
            best = max(v.drafts.values())
            figures.update(best_draft=best, gain_over_best=v.coverage - best, beats_best=float(v.coverage > best))
    return figures


def _ci(values: list[float]) -> list[float] | None:
    interval = mean_ci(values)
    return list(interval) if interval else None


def _figures(rows: list[dict[str, float]]) -> dict[str, dict[str, Any]]:
    """Per figure: its mean over the answers that have it, the bootstrap 95% interval, and n."""
    names = sorted({name for row in rows for name in row})
    out = {}
    for name in names:
        values = [row[name] for row in rows if name in row]
        out[name] = {"mean": statistics.fmean(values), "ci": _ci(values), "n": len(values)}
    return out


def _synthesis(figures: dict[str, dict[str, Any]], results: list[ScoreResult]) -> dict[str, Any] | None:
    metrics = [r.synthesis for r in results if r.synthesis is not None and r.synthesis.retention]
    if not metrics:
        return None
    return {
        "answers": len(metrics),
        "drafts": max(len(m.retention) for m in metrics),
        "median_retention_min": _median([m.retention_min or 0.0 for m in metrics]),
        "mean_retention_min": figures["retention_min"]["mean"],
        "mean_retention": figures["retention"]["mean"],
        "median_distinct_drafts": _median([m.distinct_drafts for m in metrics]),
        "mean_distinct_drafts": figures["distinct_drafts"]["mean"],
        "own_voice_share": figures.get("own_voice", {}).get("mean"),
        "copied_example_share": figures.get("copied_example", {}).get("mean"),
    }


def _grounding(figures: dict[str, dict[str, Any]], results: list[ScoreResult]) -> dict[str, Any] | None:
    """Quotations in the answers users read, against the sources (the scorer's check), and what the
    guard removed before they read them (its record, mas and single perspectives)."""
    checked = [r.grounding for r in results if r.grounding is not None]
    if not checked:
        return None
    quotations = sum(g.quotations for g in checked)
    unverified = sum(len(g.unverified) for g in checked)
    return {
        "answers": len(checked),
        "quotations_per_answer": figures["quotations"]["mean"],
        "verified_per_answer": (quotations - unverified) / len(checked),
        "unverified_share": unverified / quotations if quotations else None,
        "answers_with_unverified": figures["has_unverified"]["mean"],
        "citations_per_answer": figures["citations"]["mean"],
        "sections_cited_share": figures.get("sections_cited", {}).get("mean"),
        "attributions_per_answer": figures["attributions"]["mean"],
        "removed_per_answer": figures.get("removed", {}).get("mean"),
    }


def _viewpoints(figures: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    if "coverage" not in figures:
        return None
    stances = {name.removeprefix("coverage_by_"): figures[name] for name in figures if name.startswith("coverage_by_")}
    best = figures.get("beats_best")
    return {
        "answers": figures["coverage"]["n"],
        "coverage": figures["coverage"],
        "by_stance": stances,
        "balance": figures.get("balance"),
        "best_single": None
        if best is None
        else {"answers": best["n"], "beats_best": best, "gain_over_best": figures["gain_over_best"]},
    }


def _degraded(record: dict[str, Any]) -> bool:
    """An answer that came back with a voice missing, or a call behind it failed."""
    synthesis = record.get("synthesis") or {}
    return bool(record.get("missing")) or bool(synthesis.get("failed")) or bool(synthesis.get("replaced"))


def _label(record: dict[str, Any], several_models: bool) -> str:
    return f"{record['mode']} ({record['model']})" if several_models else record["mode"]


def summarise(records: list[dict[str, Any]], roster: Roster) -> dict[str, Any]:
    """The report's figures. The headline tables use each question as asked once (wording 0, run 0);
    the stability table uses the other runs (--repeats, --variants)."""
    several_models = len({x["model"] for x in records}) > 1
    first = [r for r in records if r.get("variant", 0) == 0 and r.get("repeat", 0) == 0]
    by_mode: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in first:
        by_mode[_label(r, several_models)].append(r)
    modes: dict[str, Any] = {}
    per_question: dict[str, dict[str, dict[str, float]]] = {}
    for label in sorted(by_mode, key=_mode_key):
        rows = by_mode[label]
        ok = [r for r in rows if r["status"] == "ok"]
        scored = [r for r in ok if r.get("scores")]
        results = [ScoreResult.model_validate(r["scores"]) for r in scored]
        answers = [answer_figures(r, res, roster) for r, res in zip(scored, results, strict=True)]
        per_question[label] = {r["question_id"]: f for r, f in zip(scored, answers, strict=True)}
        figures = _figures(answers)
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
            "degraded": sum(_degraded(r) for r in ok),
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
            "synthesis": _synthesis(figures, results),
            "grounding": _grounding(figures, results),
            "viewpoints": _viewpoints(figures),
            "figures": figures,
            "median_latency_ms": _median([r["latency_ms"] for r in ok]),
            "mean_total_tokens": _mean([r["usage"]["total_tokens"] for r in ok]),
        }
    return {
        "modes": modes,
        "differences": _differences(per_question),
        "lengths": _lengths(per_question),
        "stability": _stability(records, roster, several_models),
        "paper": PAPER,
    }


def _lengths(per_question: dict[str, dict[str, dict[str, float]]]) -> dict[str, Any]:
    """Each mode's words against the plain answer's (baseline), question by question."""
    plain = next((q for label, q in per_question.items() if label.split(" ")[0] == "baseline"), None)
    if not plain:
        return {}
    out = {}
    for label, answers in per_question.items():
        ratios = [f["words"] / plain[q]["words"] for q, f in answers.items() if q in plain and plain[q].get("words")]
        if label.split(" ")[0] != "baseline" and ratios:
            out[label] = {
                "n": len(ratios),
                "median": statistics.median(ratios),
                "mean": statistics.fmean(ratios),
                "at_most_twice": sum(r <= 2.0 for r in ratios) / len(ratios),
            }
    return out


DIFFERENCE_FIGURES = ("pds_entropy", "coverage", "balance", "words", "unverified", "citations")


def _differences(per_question: dict[str, dict[str, dict[str, float]]]) -> list[dict[str, Any]]:
    """Each mode against the first (baseline), question by question, on the figures both have."""
    labels = list(per_question)
    out = []
    for label in labels[1:]:
        for name in DIFFERENCE_FIGURES:
            base = {q: f[name] for q, f in per_question[labels[0]].items() if name in f}
            other = {q: f[name] for q, f in per_question[label].items() if name in f}
            difference = paired(base, other)
            if difference:
                out.append({"mode": label, "against": labels[0], "figure": name, **difference})
    return out


STABILITY_FIGURES = ("pds_entropy", "coverage", "retention_min", "unverified", "citations")


def _stability(records: list[dict[str, Any]], roster: Roster, several_models: bool) -> dict[str, Any]:
    """Per mode and figure: the mean spread (standard deviation) of a question's figure across the
    seeds it ran with (as asked), and across the wordings it was asked in (first seed)."""
    seeds: dict[str, dict[str, list[list[float]]]] = defaultdict(lambda: defaultdict(list))
    wordings: dict[str, dict[str, list[list[float]]]] = defaultdict(lambda: defaultdict(list))
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        if r["status"] == "ok" and r.get("scores"):
            grouped[(_label(r, several_models), r["question_id"])].append(r)
    for (label, _), runs in grouped.items():
        figures = [(r, answer_figures(r, ScoreResult.model_validate(r["scores"]), roster)) for r in runs]
        for name in STABILITY_FIGURES:
            by_seed = [f[name] for r, f in figures if r.get("variant", 0) == 0 and name in f]
            by_wording = [f[name] for r, f in figures if r.get("repeat", 0) == 0 and name in f]
            seeds[label][name].append(by_seed)
            wordings[label][name].append(by_wording)
    table: dict[str, Any] = {}
    for label in sorted(seeds, key=_mode_key):
        table[label] = {
            name: {"seeds": spread(seeds[label][name]), "wordings": spread(wordings[label][name])}
            for name in STABILITY_FIGURES
        }
    has_runs = any(v is not None for row in table.values() for f in row.values() for v in f.values())
    return table if has_runs else {}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _with_ci(figure: dict[str, Any] | None, pct: bool = True, digits: int = 2) -> str:
    """A mean and its bootstrap 95% interval: `52.3% [47.1, 57.4]`, or `3.1 [2.6, 3.7]`."""
    if not figure:
        return "-"
    show = (lambda v: f"{v * 100:.1f}") if pct else (lambda v: f"{v:.{digits}f}")
    unit = "%" if pct else ""
    interval = f" [{show(figure['ci'][0])}, {show(figure['ci'][1])}]" if figure.get("ci") else ""
    return f"{show(figure['mean'])}{unit}{interval}"


COLUMNS = [
    "runs",
    "ok",
    "degraded",
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
        "Every mean is over the answers, one per question, with its bootstrap 95% confidence interval over the "
        "questions in brackets; sentiment shares are pooled over the references.",
        "",
        "| mode | ok / runs | degraded | n | PDS entropy | pooled | no reference | process talk | positive | "
        "neutral | negative | median latency | mean tokens | words |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for mode, row in modes.items():
        s = row["sentiment"]
        f = row["figures"]
        latency = "-" if row["median_latency_ms"] is None else f"{row['median_latency_ms'] / 1000:.1f} s"
        n = f.get("pds_entropy", {}).get("n", 0)
        lines.append(
            f"| {mode} | {row['ok']} / {row['runs']} | {row.get('degraded', 0)} | {n} | "
            f"{_with_ci(f.get('pds_entropy'))} | "
            f"{_pct(row['pooled_pds_entropy'])} | {_with_ci(f.get('no_reference'))} | "
            f"{_with_ci(f.get('process_talk'))} | {_pct(s.get('positive'))} | "
            f"{_pct(s.get('neutral'))} | {_pct(s.get('negative'))} | {latency} | "
            f"{_with_ci(f.get('total_tokens'), pct=False, digits=0)} | "
            f"{_with_ci(f.get('words'), pct=False, digits=0)} |"
        )
    lines += [
        "",
        "degraded: answers given with a voice missing or a call behind them failed (counted in ok); n: the answers "
        "every mean of the row is over; words: as a reader counts them, the sources list and citation marks aside.",
    ]
    if any(label.split(" ")[0] == "mas" for label in modes):
        lines += [
            "",
            "A mas answer's PDS entropy is high by construction: each answered voice has a section headed by its "
            "tradition's name. Its content is measured by the measures below that count no names: coverage of "
            "people's viewpoints, retention and distinct drafts, and the quotation and support checks.",
        ]
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
            "| mode | answers | lowest retention (median; mean) | retention (mean) | distinct drafts (median; mean) "
            "| own voice | copied |",
            "|---|---|---|---|---|---|---|",
        ]
        for mode, syn in synthesised.items():
            f = modes[mode]["figures"]
            lines.append(
                f"| {mode} | {syn['answers']} | {_num(syn['median_retention_min'])}; "
                f"{_with_ci(f.get('retention_min'), pct=False)} "
                f"| {_with_ci(f.get('retention'), pct=False)} | {_num(syn['median_distinct_drafts'], 1)}; "
                f"{_with_ci(f.get('distinct_drafts'), pct=False, digits=1)} of {syn['drafts']} | "
                f"{_with_ci(f.get('own_voice'))} | {_with_ci(f.get('copied_example'))} |"
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
            "answer | sections cited | attributions without a quotation | removed by the guard | unsupported claims "
            "left out | passages shown | passages withheld |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for mode, g in grounded.items():
            f = modes[mode]["figures"]
            lines.append(
                f"| {mode} | {g['answers']} | {_with_ci(f.get('quotations'), pct=False, digits=1)} | "
                f"{_pct(g['unverified_share'])} | {_with_ci(f.get('has_unverified'))} | "
                f"{_with_ci(f.get('citations'), pct=False, digits=1)} | {_with_ci(f.get('sections_cited'))} | "
                f"{_with_ci(f.get('attributions'), pct=False, digits=1)} | "
                f"{_with_ci(f.get('removed'), pct=False, digits=1)} | "
                f"{_with_ci(f.get('claims_dropped'), pct=False, digits=1)} | "
                f"{_with_ci(f.get('passages_shown'), pct=False, digits=1)} | "
                f"{_with_ci(f.get('passages_withheld'), pct=False, digits=1)} |"
            )
    lines += _viewpoint_lines(modes) + _difference_lines(summary.get("differences", []))
    lines += _length_lines(summary.get("lengths", {}))
    lines += _stability_lines(summary.get("stability", {}))
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
    lines += [""] + ([f"![{c}]({c})" for c in charts] if plots.can_plot() else [plots.MISSING])
    return "\n".join(lines) + "\n"


def _viewpoint_lines(modes: dict[str, Any]) -> list[str]:
    covered = {mode: row["viewpoints"] for mode, row in modes.items() if row.get("viewpoints")}
    if not covered:
        return []
    stances = sorted({s for v in covered.values() for s in v["by_stance"]})
    lines = [
        "",
        "Coverage of the viewpoints people hold (the question's reference viewpoints that some sentence of the answer "
        "expresses; balance: the least covered stance over the most; best single voice: mas answers that cover more "
        "viewpoints than the best of their drafts alone, and the mean gain over it):",
        "",
        "| mode | answers | coverage | per 100 words | " + " | ".join(stances) + " | balance | beats its best draft "
        "| gain over it | drafts together | its considerations alone | beats them |",
        "|---|---|---|---|" + "---|" * len(stances) + "---|---|---|---|---|---|",
    ]
    for mode, v in covered.items():
        best = v.get("best_single") or {}
        f = modes[mode]["figures"]
        lines.append(
            f"| {mode} | {v['answers']} | {_with_ci(v['coverage'])} | "
            f"{_with_ci(f.get('coverage_per_100_words'), pct=False)} | "
            + " | ".join(_with_ci(v["by_stance"].get(s)) for s in stances)
            + f" | {_with_ci(v.get('balance'), pct=False)} | {_with_ci(best.get('beats_best'))} | "
            f"{_with_ci(best.get('gain_over_best'))} | {_with_ci(f.get('ceiling'))} | "
            f"{_with_ci(f.get('considerations'))} | {_with_ci(f.get('beats_considerations'))} |"
        )
    return lines


def _difference_lines(differences: list[dict[str, Any]]) -> list[str]:
    if not differences:
        return []
    lines = [
        "",
        "Differences between modes, question by question (the mode minus the one it is set against; bootstrap "
        "95% interval over the questions both answered):",
        "",
        "| mode | against | figure | difference | questions |",
        "|---|---|---|---|---|",
    ]
    for d in differences:
        as_pct = d["figure"] in ("pds_entropy", "coverage")
        lines.append(
            f"| {d['mode']} | {d['against']} | {d['figure'].replace('_', ' ')} | "
            f"{_with_ci(d, pct=as_pct)} | {d['questions']} |"
        )
    return lines


def _length_lines(lengths: dict[str, Any]) -> list[str]:
    if not lengths:
        return []
    lines = [
        "",
        "Length against the plain answer to the same question (words over baseline's words, question by question):",
        "",
        "| mode | questions | median | mean | at most twice |",
        "|---|---|---|---|---|",
    ]
    for mode, row in lengths.items():
        lines.append(
            f"| {mode} | {row['n']} | {row['median']:.2f} | {row['mean']:.2f} | {_pct(row['at_most_twice'])} |"
        )
    return lines


def _stability_lines(stability: dict[str, Any]) -> list[str]:
    if not stability:
        return []
    names = list(STABILITY_FIGURES)
    lines = [
        "",
        "Stability: the mean, over questions, of the standard deviation of each figure across the seeds a question "
        "was asked with (as asked) and across the wordings it was asked in (first seed):",
        "",
        "| mode | " + " | ".join(f"{n.replace('_', ' ')}: seeds / wordings" for n in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for mode, row in stability.items():
        lines.append(
            f"| {mode} | " + " | ".join(f"{_num(row[n]['seeds'])} / {_num(row[n]['wordings'])}" for n in names) + " |"
        )
    return lines


def write_report(folder: Path, roster: Roster) -> dict[str, Any]:
    records = list(RunStore(folder).latest().values())
    summary = summarise(records, roster)
    manifest_path = folder / "manifest.json"
    summary["manifest"] = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else None
    (folder / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    _write_csv(summary["modes"], folder / "summary.csv")
    charts = plots.write_charts(summary, folder)
    (folder / "report.md").write_text(markdown(summary, charts), encoding="utf-8")
    return summary
