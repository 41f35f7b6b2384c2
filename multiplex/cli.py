"""The `multiplex` command: serve, ask, score, agents (and bench)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from multiplex.errors import MultiplexError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Culturally plural LLM answers.")
out = Console()
err = Console(stderr=True)


def fail(message: str) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _settings() -> Any:
    from multiplex.settings import get_settings

    try:
        return get_settings()
    except MultiplexError as exc:
        fail(exc.message)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="address to bind (default MULTIPLEX_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port to bind (default MULTIPLEX_PORT)")] = None,
) -> None:
    """Serve the OpenAI-compatible API and the playground."""
    from multiplex.api.app import create_app
    from multiplex.api.server import listen
    from multiplex.api.server import serve as run

    settings = _settings()
    host = host or settings.host
    port = port if port is not None else settings.port
    try:
        application = create_app(settings)
    except MultiplexError as exc:
        fail(exc.message)
    try:
        listening = listen(host, port)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port} (MULTIPLEX_PORT): {exc.strerror or exc}")
    if settings.metrics_port:
        from prometheus_client import start_http_server

        # A scrape port of its own: Prometheus reads it without an API key, and it runs nothing.
        try:
            start_http_server(settings.metrics_port, addr=host, registry=application.state.services.metrics.registry)
        except OSError as exc:
            fail(f"cannot serve metrics on {host}:{settings.metrics_port} (MULTIPLEX_METRICS_PORT): {exc.strerror}")
    err.print(f"multiplex serves on http://{host}:{port} (the playground at /playground/)", highlight=False)
    run(application, settings, listening)


@app.command()
def agents(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """List the perspective cards of the roster, with the model each agent uses."""
    engine = _engine(_settings())  # cards and their models checked as `serve` checks them
    if as_json:
        cards = [{**p.model_dump(), "model": engine.model_of(p.id)} for p in engine.roster]
        out.print_json(json.dumps(cards))
        return
    table = Table("id", "name", "model", "description", "lexicon terms")
    for p in engine.roster:
        table.add_row(p.id, p.name, engine.model_of(p.id), p.description, str(len(p.lexicon)))
    out.print(table)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="the question to answer")],
    mode: Annotated[str, typer.Option(help="baseline, contextual or mas")] = "mas",
    perspectives: Annotated[str | None, typer.Option(help="comma list of perspective ids")] = None,
    max_tokens: Annotated[int | None, typer.Option(help="max tokens of each agent call")] = None,
    temperature: Annotated[float | None, typer.Option(help="sampling temperature")] = None,
    seed: Annotated[int | None, typer.Option(help="sampling seed")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the typed result as JSON")] = False,
    viewpoints: Annotated[
        Path | None,
        typer.Option("--viewpoints", help="JSON list of people's viewpoints on the question: --json scores coverage"),
    ] = None,
) -> None:
    """Answer QUESTION; with --mode mas, one agent per perspective and a synthesis."""
    from multiplex.graph import Engine, RunRequest
    from multiplex.graph.state import mode_named
    from multiplex.llm import GenerationParams

    if not question.strip():
        fail("the question is empty")
    try:
        chosen = mode_named(mode)
    except MultiplexError as exc:
        fail(exc.message)
    ids = tuple(p.strip() for p in perspectives.split(",") if p.strip()) if perspectives else None
    request = RunRequest.ask(
        question,
        mode=chosen,
        perspectives=ids,
        stream=not as_json,
        params=GenerationParams(temperature=temperature, seed=seed),
        score=as_json,
        viewpoints=tuple(_read_viewpoints(viewpoints)) if viewpoints is not None else None,
    )
    try:
        settings = _settings()  # --max-tokens caps each agent call: the engine's own budget
        if max_tokens:
            settings = settings.model_copy(update={"max_tokens": max_tokens})
        engine = Engine.from_settings(settings)
        result = asyncio.run(engine.run(request) if as_json else _ask_live(engine, request))
    except MultiplexError as exc:
        fail(exc.message)
    except KeyboardInterrupt:
        fail("cancelled")
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")


async def _ask_live(engine: Any, request: Any) -> Any:
    from multiplex.graph import AnswerDelta, PerspectiveDone, PerspectiveStarted, RunDone

    status: dict[str, str] = {}
    answer: list[str] = []

    def progress() -> Table:
        table = Table.grid(padding=(0, 2))
        for pid, state in status.items():
            table.add_row(pid, state)
        if answer:
            table.add_row("synthesis", f"writing ({len(''.join(answer))} chars)")
        return table

    result = None
    with Live(progress(), console=err, transient=True, refresh_per_second=8) as live:
        async for event in engine.stream(request):
            if isinstance(event, PerspectiveStarted):
                status[event.id] = "[yellow]thinking...[/yellow]"
            elif isinstance(event, PerspectiveDone):
                rec = event.record
                status[rec.id] = (
                    f"[green]done[/green] {rec.latency_ms:.0f} ms"
                    if rec.status == "ok"
                    else f"[red]failed[/red]: {rec.error}"
                )
            elif isinstance(event, AnswerDelta):
                answer.append(event.text)
            elif isinstance(event, RunDone):
                result = event.result
            live.update(progress())
    assert result is not None
    for rec in result.perspectives if result.mode == "mas" else []:
        body = rec.content if rec.status == "ok" else f"[red]failed: {rec.error}[/red]"
        sources = "\n".join(
            f"{'[green]quoted[/green]' if c.verified else '[dim]given[/dim]'}  {c.work}, {c.locator}"
            for c in rec.citations
        )
        out.print(
            Panel(
                escape(body) + (f"\n\n[bold]Sources[/bold]\n{sources}" if sources else ""),
                title=f"{rec.name} ({rec.id})",
                subtitle=f"{rec.latency_ms:.0f} ms",
                title_align="left",
                subtitle_align="right",
            ),
            highlight=False,
        )
    title = "Synthesis" if result.mode == "mas" else f"Answer ({result.mode})"
    out.print(Panel(escape(result.text), title=title, title_align="left", border_style="bold"), highlight=False)
    if result.analysis is not None:
        out.print(Panel(escape(analysis_text(result)), title="Analysis", title_align="left"), highlight=False)
    u = result.usage
    err.print(
        f"{result.latency_ms:.0f} ms, {u.prompt_tokens} prompt + {u.completion_tokens} completion tokens", style="dim"
    )
    if result.grounding:
        g = result.grounding
        attributed = (
            f"; {len(g.unsupported_attributions)} attributed with no quotation" if g.unsupported_attributions else ""
        )
        err.print(
            f"quotations: {g.verified} found in a source, {g.removed} not (their sentences removed){attributed}",
            style="dim",
        )
    return result


def analysis_text(result: Any) -> str:
    """The analysis beside a mas answer, as lines a terminal reads."""
    names = {p.id: p.name for p in result.perspectives}
    a = result.analysis
    lines = [f"Agree ({', '.join(names.get(v, v) for v in x.voices)}): {x.point}" for x in a.agreements]
    lines += ["Part ways: " + " / ".join(f"{names.get(v, v)}: {x.sides[v]}" for v in x.voices) for x in a.tensions]
    lines += [f"Only {names.get(x.voice, x.voice)}: {x.point}" for x in a.distinctive]
    if a.missing:
        lines.append("Not heard: " + ", ".join(names.get(v, v) for v in a.missing))
    return "\n".join(lines) or "The drafts share no point closely and part on none."


def _engine(settings: Any) -> Any:
    from multiplex.graph import Engine

    try:
        return Engine.from_settings(settings)
    except MultiplexError as exc:
        fail(exc.message)


def _read_viewpoints(path: Path) -> Any:
    from multiplex.scoring.viewpoints import read_viewpoints

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"cannot read the viewpoints in {path}: {exc}")
    try:
        return read_viewpoints(data, str(path))
    except MultiplexError as exc:
        fail(exc.message)


def _read_drafts(path: Path, roster_ids: list[str]) -> dict[str, str]:
    try:
        drafts = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"cannot read the drafts in {path}: {exc}")
    if not isinstance(drafts, dict) or not all(isinstance(v, str) for v in drafts.values()):
        fail(f"{path}: the drafts must be one JSON object of perspective id -> draft text")
    unknown = sorted(set(drafts) - set(roster_ids))
    if unknown:
        fail(f"{path}: unknown perspective ids {unknown}; known: {', '.join(roster_ids)}")
    return drafts


@app.command("score")
def score_command(
    file: Annotated[str, typer.Argument(help="a text file, or - for standard input")] = "-",
    as_json: Annotated[bool, typer.Option("--json", help="print the scorer JSON")] = False,
    jsonl: Annotated[
        bool,
        typer.Option("--jsonl", help='a response a line (a JSON string, or an object with "text"): a result a line'),
    ] = False,
    judge: Annotated[str | None, typer.Option(help="'lexicon' or a litellm model string")] = None,
    drafts: Annotated[
        Path | None, typer.Option("--drafts", help="JSON object of perspective id -> draft: synthesis metrics too")
    ] = None,
    sources: Annotated[
        bool, typer.Option("--sources", help="check the text's quotations against the roster's sources")
    ] = False,
    viewpoints: Annotated[
        Path | None,
        typer.Option("--viewpoints", help="JSON list of viewpoints (strings or {text, stance}): their coverage"),
    ] = None,
) -> None:
    """Score how plural a text is: references, PDS, PDS entropy, sentiment (with --drafts, how
    well it keeps each draft; with --sources, which of its quotations a source holds)."""
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}")
    scorer = _engine(_settings()).scorer
    draft_texts = _read_drafts(drafts, scorer.roster.ids) if drafts is not None else None
    views = _read_viewpoints(viewpoints) if viewpoints is not None else None
    try:
        if jsonl:
            for line in _jsonl_texts(file, text):
                result = asyncio.run(scorer.score(line, None, judge, sources=sources, viewpoints=views))
                sys.stdout.write(result.model_dump_json() + "\n")
            return
        result = asyncio.run(scorer.score(text, draft_texts, judge, sources=sources, viewpoints=views))
    except MultiplexError as exc:
        fail(exc.message)
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    retention = result.synthesis.retention if result.synthesis else {}
    table = Table("perspective", "references", "share", "sentiment", *(["retention"] if retention else []))
    for pid, n in result.counts.items():
        senti = result.sentiment.per_perspective.get(pid)
        table.add_row(
            pid,
            str(n),
            f"{result.distribution.get(pid, 0):.0%}",
            f"{senti.label} ({senti.compound:+.2f})" if senti else "-",
            *([f"{retention[pid]:.2f}" if pid in retention else "-"] if retention else []),
        )
    out.print(table)
    out.print(
        f"PDS entropy: [bold]{result.pds_entropy:.1%}[/bold]"
        + ("  (no cultural reference found)" if result.no_references else "")
    )
    s = result.sentiment
    out.print(f"sentiment of references: {s.positive:.0%} positive, {s.neutral:.0%} neutral, {s.negative:.0%} negative")
    if result.synthesis:
        syn = result.synthesis
        out.print(
            f"synthesis: lowest retention {syn.retention_min:.2f}, {syn.distinct_drafts:.1f} distinct drafts of "
            f"{len(syn.retention)}" + (", [red]speaks of its own making[/red]" if syn.mentions_process else "")
        )
    if result.viewpoints:
        v = result.viewpoints
        stances = ", ".join(f"{stance} {share:.0%}" for stance, share in v.by_stance.items())
        out.print(f"viewpoints covered: {v.coverage:.0%} ({sum(v.covered)} of {len(v.covered)}; {stances})")
    if result.grounding:
        g = result.grounding
        out.print(f"quotations: {g.quotations}, found in a source: {g.verified}", highlight=False)
        for quote in g.unverified:
            out.print(f"  [red]no source holds[/red]: “{quote}”", highlight=False)
        for sentence in g.unsupported_attributions:
            out.print(f"  [yellow]attributed with no quotation[/yellow]: {sentence}", highlight=False)


def _jsonl_texts(file: str, text: str) -> list[str]:
    """The responses of a --jsonl input, all read before any is scored: each non-empty line is a
    JSON string, or a JSON object whose "text" is one. Anything else stops here, naming its line."""
    texts = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            fail(f'{file}:{number}: not JSON ({exc.msg}); each line is a JSON string or an object with "text"')
        if isinstance(value, dict):
            value = value.get("text")
        if not isinstance(value, str):
            fail(f'{file}:{number}: neither a JSON string nor an object with a "text" string')
        texts.append(value)
    return texts


bench_app = typer.Typer(no_args_is_help=True, help="Batch benchmark: run question sets over modes and models.")
app.add_typer(bench_app, name="bench")


@bench_app.command("run")
def bench_run(
    dataset: Annotated[
        str,
        typer.Argument(help="'worldview-bench', 'perspectrum', 'argkp', 'sample', or a .jsonl or .csv question file"),
    ],
    out: Annotated[Path, typer.Option("--out", help="output folder (resumes what is there)")],
    modes: Annotated[str, typer.Option(help="comma list of modes")] = "baseline,contextual,mas",
    model: Annotated[list[str] | None, typer.Option("--model", help="litellm model string; repeat for several")] = None,
    perspectives: Annotated[str | None, typer.Option(help="comma list of perspective ids (mas)")] = None,
    limit: Annotated[int | None, typer.Option(help="first N questions only")] = None,
    per_domain: Annotated[int | None, typer.Option(min=1, help="N questions of each domain, evenly spread")] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="runs at once")] = 4,
    shard: Annotated[str | None, typer.Option(help="I/N: this machine's slice of the tasks")] = None,
    max_tokens: Annotated[int | None, typer.Option(help="max tokens of each agent call")] = None,
    split: Annotated[str | None, typer.Option(help="only the questions of this split (perspectrum, argkp)")] = None,
    repeats: Annotated[int, typer.Option(min=1, help="run each question N times, with seeds 1..N")] = 1,
    variants: Annotated[int, typer.Option(min=1, max=4, help="also ask each question in K wordings")] = 1,
) -> None:
    """Run every (question, mode, model) that OUT does not hold yet; one record per run."""
    from rich.progress import TimeRemainingColumn

    from multiplex.bench.datasets import load_dataset, select
    from multiplex.bench.run import BenchConfig, parse_shard, run_bench
    from multiplex.graph.state import mode_named

    settings = _settings()
    mode_list = [m.strip() for m in modes.split(",") if m.strip()]
    if not mode_list:
        fail("--modes names no mode")
    ids = tuple(p.strip() for p in perspectives.split(",") if p.strip()) if perspectives else None
    try:
        loaded = load_dataset(dataset, settings.dataset_sources())
        questions = select(loaded, dataset, split=split, domains=per_domain, limit=limit)
        config = BenchConfig(
            modes=tuple(mode_named(m) for m in mode_list),
            models=tuple(model or [settings.model]),
            perspectives=ids,
            concurrency=concurrency,
            shard=parse_shard(shard),
            max_tokens=max_tokens,
            repeats=repeats,
            variants=variants,
        )
    except MultiplexError as exc:
        fail(exc.message)
    for refused in loaded.refused:
        err.print(f"[yellow]refused:[/yellow] {escape(refused)}", highlight=False, soft_wrap=True)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot write to {out}: {exc.strerror}")
    columns = (
        TextColumn("[bold]bench"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as progress:
        bar = progress.add_task("runs", total=None, failed=0)
        failed = 0

        def on_progress(record: dict[str, Any] | None, done: int, total: int) -> None:
            nonlocal failed
            if record is not None and record["status"] == "failed":
                failed += 1
                line = f"failed: {record['question_id']} {record['mode']}: {record['error']}"
                err.print(escape(line), highlight=False)
            progress.update(bar, completed=done, total=total, failed=failed)

        try:
            ok, bad = asyncio.run(
                run_bench(
                    questions,
                    out,
                    settings,
                    config,
                    on_progress,
                    lambda notice: err.print(
                        f"[yellow]note:[/yellow] {escape(notice)}", highlight=False, soft_wrap=True
                    ),
                )
            )
        except MultiplexError as exc:
            fail(exc.message)
        except (OSError, sqlite3.Error) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            fail(f"cannot write the runs to {out}: {reason}; finished runs are kept there: fix it and run again")
        except KeyboardInterrupt:
            fail(f"interrupted; finished runs are kept in {out}: run the same command to resume")
    refused = f", {len(loaded.refused)} rows of the dataset refused" if loaded.refused else ""
    err.print(f"{ok} runs ok, {bad} failed{refused}, records in {out}")
    if bad or loaded.refused:
        raise typer.Exit(2)


@bench_app.command("report")
def bench_report(folder: Annotated[Path, typer.Argument(help="a bench run folder")]) -> None:
    """Write report.md, summary.json, summary.csv and PNG charts into FOLDER."""
    from multiplex.bench.report import write_report

    if not (folder / "records.jsonl").exists():
        fail(f"{folder} holds no bench records")
    try:
        write_report(folder, _engine(_settings()).roster)
    except MultiplexError as exc:
        fail(exc.message)
    except OSError as exc:
        fail(f"cannot write the report into {folder}: {exc.strerror or exc}")
    sys.stdout.write((folder / "report.md").read_text(encoding="utf-8"))


@bench_app.command("merge")
def bench_merge(
    out_dir: Annotated[Path, typer.Option("--out", help="merged folder")],
    shards: Annotated[list[Path], typer.Argument(help="shard folders")],
) -> None:
    """Join the outputs of sharded runs."""
    from multiplex.bench.run import merge

    missing = [s for s in shards if not (s / "records.jsonl").exists()]
    if missing:
        fail(f"no bench records in {', '.join(map(str, missing))}")
    err.print(f"{merge(out_dir, shards)} runs merged into {out_dir}")


@bench_app.command("score")
def bench_score(
    folder: Annotated[Path, typer.Argument(help="a bench run folder")],
    judge: Annotated[str, typer.Option(help="'lexicon' or a litellm model string")] = "lexicon",
    against: Annotated[
        str | None, typer.Option(help="a second judge: report their agreement instead of replacing the scores")
    ] = None,
) -> None:
    """Score the stored answers again with another judge (no agent is called), or, with --against,
    measure how far two judges agree. LLM judges' scores are kept, so a stopped run resumes."""
    from multiplex.bench.judges import agreement, agreement_markdown, judged, rescore

    if not (folder / "records.jsonl").exists():
        fail(f"{folder} holds no bench records")
    scorer = _engine(_settings()).scorer
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), console=err) as bars:

        def progress_of(name: str) -> Any:
            bar = bars.add_task(name, total=None)
            return lambda done, total: bars.update(bar, completed=done, total=total)

        try:
            if against is None:
                count = asyncio.run(rescore(folder, scorer, judge, progress_of(judge)))
            else:
                a = asyncio.run(judged(folder, scorer, judge, progress_of(judge)))
                b = asyncio.run(judged(folder, scorer, against, progress_of(against)))
        except MultiplexError as exc:
            fail(exc.message)
        except KeyboardInterrupt:
            fail(f"interrupted; the answers scored so far are kept in {folder / 'judged'}: run it again to resume")
    if against is None:
        err.print(f"{count} answers scored again with {judge}")
        return
    result = agreement(a, b, scorer.roster.ids)
    text = agreement_markdown(result, judge, against)
    name = f"agreement-{_slug_of(judge)}-vs-{_slug_of(against)}"
    (folder / f"{name}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    (folder / f"{name}.md").write_text(text, encoding="utf-8")
    sys.stdout.write(text)


def _slug_of(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)


if __name__ == "__main__":
    app()
