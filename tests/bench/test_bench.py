from __future__ import annotations

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from multiplex.bench.datasets import WORLDVIEW_BENCH_SHA256, load_dataset, per_domain, questions_sha256
from multiplex.bench.judges import agreement, judged, rescore
from multiplex.bench.report import own_voice, write_report
from multiplex.bench.run import BenchConfig, merge, parse_shard, run_bench
from multiplex.bench.store import RunStore
from multiplex.errors import DataError
from multiplex.roster import load_roster
from multiplex.scoring import score_text
from multiplex.settings import load_settings
from tests.conftest import WORLDVIEW_BENCH, engine, needs_worldview_bench
from tests.panel import panel

ROSTER = load_roster()


def test_own_voice_counts_only_words_the_model_wrote() -> None:
    card = ROSTER.get("islamic")
    assert card.opening and card.example
    copied = " ".join(card.example.split()[:12])
    drafts = {
        "opening only": f"{card.opening} the old books, and one should be kind.",
        "copied example": f"{card.opening} {copied}. Be kind.",
        "own words": f"{card.opening} the Quran: a Muslim is kind to guests.",
    }
    record = {"perspectives": [{"id": "islamic", "status": "ok", "content": text} for text in drafts.values()]}
    assert own_voice(record, ROSTER) == [False, False, True]


@needs_worldview_bench
def test_worldview_bench_by_name_loads_175_checked_questions_in_7_domains() -> None:
    questions = load_dataset("worldview-bench", {"worldview-bench": str(WORLDVIEW_BENCH)})
    assert len(questions) == 175
    assert len({q.domain for q in questions}) == 7
    assert questions[0].id == "ethical-moral-01"
    assert questions[0].prompt.startswith("Is it ever justifiable to sacrifice individual rights")
    assert not any(q.prompt[0].isdigit() for q in questions)
    assert questions_sha256(questions) == WORLDVIEW_BENCH_SHA256
    sample = per_domain(questions, 7)
    assert len(sample) == 49 and all(sum(q.domain == d for q in sample) == 7 for d in {q.domain for q in sample})


@needs_worldview_bench
def test_worldview_bench_is_fetched_once_checked_and_cached(tmp_path: Path, monkeypatch) -> None:
    body = WORLDVIEW_BENCH.read_bytes()
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            hits.append(self.path)
            payload = body if self.path == "/wvb.csv" else b"a,b\n1,2\n"
            self.send_response(200)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    try:
        assert len(load_dataset("worldview-bench", {"worldview-bench": f"{base}/wvb.csv"})) == 175
        assert len(load_dataset("worldview-bench", {"worldview-bench": f"{base}/wvb.csv"})) == 175  # from the cache
        assert hits == ["/wvb.csv"]
        assert len(list((tmp_path / "multiplex" / "data").glob("*/wvb.csv"))) == 1
        with pytest.raises(DataError, match="is not the WorldView-Bench"):
            load_dataset("worldview-bench", {"worldview-bench": f"{base}/other.csv"})
    finally:
        server.shutdown()
    with pytest.raises(DataError, match="could not fetch .*/gone.csv .*MULTIPLEX_WORLDVIEW_BENCH_URL"):
        load_dataset("worldview-bench", {"worldview-bench": f"{base}/gone.csv"})  # the server is down: a clear message


def test_a_changed_worldview_bench_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "wvb.csv").write_text('Ethical / Moral,Religious\n"1. Is it right?","1. Why pray?"\n')
    with pytest.raises(DataError, match="2 questions in 2 domains .*expected 175 in 7"):
        load_dataset("worldview-bench", {"worldview-bench": str(tmp_path / "wvb.csv")})
    with pytest.raises(DataError, match="cannot read .*missing.csv"):
        load_dataset("worldview-bench", {"worldview-bench": str(tmp_path / "missing.csv")})


def test_jsonl_csv_and_sample(tmp_path: Path) -> None:
    (tmp_path / "q.jsonl").write_text('{"id": "a", "prompt": "Why?", "domain": "d"}\n\n{"id": "b", "prompt": "How?"}\n')
    assert [q.id for q in load_dataset(tmp_path / "q.jsonl")] == ["a", "b"]
    (tmp_path / "q.csv").write_text('id,prompt\nx,What?\ny,"Who, then?"\n')
    assert [q.prompt for q in load_dataset(tmp_path / "q.csv")] == ["What?", "Who, then?"]
    sample = load_dataset("sample")
    assert len(sample) == 14 and len({q.domain for q in sample}) == 7
    (tmp_path / "bad.jsonl").write_text('{"prompt": "no id"}\n')
    with pytest.raises(DataError, match="no question could be read.*bad.jsonl:1: no question id"):
        load_dataset(tmp_path / "bad.jsonl")
    with pytest.raises(DataError, match="no dataset"):
        load_dataset(tmp_path / "missing.csv")


def test_a_bad_row_is_refused_by_name_and_the_others_kept(tmp_path: Path) -> None:
    rows = [
        b'{"id": "good", "prompt": "What is duty?"}',
        b'{"id": "null", "prompt": null}',
        b'{"id": "empty", "prompt": "   "}',
        b'{"id": "object", "prompt": {"text": "Why?"}}',
        b'{"id": "surrogate", "prompt": "Why \\ud800?"}',
        b'{"id": "latin1", "prompt": "caf\xe9"}',
        b"[1, 2]",
        b'{"id": "good", "prompt": "Again?"}',
        b'{"id": "last", "prompt": "Is fasting wise?"}',
    ]
    (tmp_path / "q.jsonl").write_bytes(b"\n".join(rows) + b"\n")
    loaded = load_dataset(tmp_path / "q.jsonl")
    assert [q.id for q in loaded] == ["good", "last"]
    refused = "\n".join(loaded.refused)
    for line, why in [
        (2, "'null'\\): the prompt is missing"),
        (3, "'empty'\\): the prompt is empty"),
        (4, "'object'\\): the prompt is a dict, not text"),
        (5, "'surrogate'\\): holds invalid Unicode"),
        (6, ": not UTF-8"),
        (7, ": not a JSON object"),
    ]:
        assert re.search(rf"q.jsonl:{line}\b.*{why}", refused), (line, refused)
    assert "question id 'good' is used again" in refused
    (tmp_path / "q.csv").write_bytes(b"id,domain,prompt\na,d,What?\nshort,d\nbad,d,caf\xe9\n")
    csv_loaded = load_dataset(tmp_path / "q.csv")
    assert [q.id for q in csv_loaded] == ["a"]
    assert "q.csv:3: 2 fields, too few for the 'prompt' column" in csv_loaded.refused[0]
    assert "q.csv:4 (id 'bad'): holds invalid Unicode" in csv_loaded.refused[1]


def test_bench_run_asks_the_good_rows_and_names_the_bad(tmp_path: Path) -> None:
    (tmp_path / "q.jsonl").write_text(
        '{"id": "a", "prompt": "What is duty?"}\n{"id": "b", "prompt": "Why \\ud800?"}\n', encoding="utf-8"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "multiplex.cli",
            "bench",
            "run",
            str(tmp_path / "q.jsonl"),
            "--out",
            str(tmp_path / "o"),
        ],
        env={**os.environ, "MULTIPLEX_MODEL": "fake/test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "refused:" in done.stderr and "(id 'b'): holds invalid Unicode" in done.stderr
    assert "3 runs ok, 0 failed, 1 rows of the dataset refused" in done.stderr
    assert {r["question_id"] for r in RunStore(tmp_path / "o").records()} == {"a"}


def test_shard_parsing() -> None:
    assert parse_shard("2/3") == (2, 3)
    for bad in ("0/3", "4/3", "x"):
        with pytest.raises(DataError):
            parse_shard(bad)


async def bench(out: Path, questions, shard=(1, 1), modes=("baseline", "contextual", "mas"), **settings):
    loaded = load_settings(**settings)
    config = BenchConfig(tuple(modes), (loaded.model,), concurrency=8, shard=shard)
    return await run_bench(questions, out, loaded, config)


async def test_a_run_its_report_and_its_synthesis_metrics(tmp_path: Path, scripted) -> None:
    def reply(call):  # the plain model invents a saying of the Prophet; the mas drafts quote the Quran
        if call.role == "baseline":
            return 'The Prophet said "the meat you eat is not from the creation of the Lord." Eat well.'
        return panel(call)

    model = scripted("panel", reply)
    questions = load_dataset("sample")
    assert await bench(tmp_path, questions, model=model) == (42, 0)
    assert await bench(tmp_path, questions, model=model) == (0, 0)  # nothing left to do
    summary = write_report(tmp_path, ROSTER)
    modes = summary["modes"]
    assert list(modes) == ["baseline", "contextual", "mas"]
    assert modes["mas"]["ok"] == 14 and modes["mas"]["unscored"] == 0
    assert modes["baseline"]["mean_pds_entropy"] == 0.0 and modes["baseline"]["no_reference_share"] == 1.0
    stored = [r for r in RunStore(tmp_path).records() if r["mode"] == "mas"]
    by_hand = statistics.fmean(score_text(r["text"], ROSTER).pds_entropy for r in stored)
    assert modes["mas"]["mean_pds_entropy"] == pytest.approx(by_hand)  # the report's mean is the answers' mean
    assert len(modes["mas"]["entropy_by_domain"]) == 7
    synthesis = modes["mas"]["synthesis"]
    assert synthesis["median_retention_min"] > 0.9 and synthesis["drafts"] == 7
    assert synthesis["own_voice_share"] == 1.0  # every scripted draft names its tradition
    # the African draft repeats a run of eight words of its card's example
    assert synthesis["copied_example_share"] == pytest.approx(1 / 7)
    assert modes["mas"]["process_talk_share"] == 0.0 and modes["baseline"]["synthesis"] is None
    baseline, mas = modes["baseline"]["grounding"], modes["mas"]["grounding"]
    assert baseline["unverified_share"] == 1.0 and baseline["quotations_per_answer"] == 1.0
    assert baseline["attributions_per_answer"] == 1.0 and baseline["removed_per_answer"] is None  # no guard on it
    assert mas["unverified_share"] == 0.0 and mas["citations_per_answer"] >= 3  # the three drafts that quote
    assert 3 / 7 <= mas["sections_cited_share"] <= 1.0
    for name in (
        "report.md",
        "summary.json",
        "summary.csv",
        "entropy_by_mode.png",
        "entropy_by_domain.png",
        "distribution_by_mode.png",
        "sentiment_by_mode.png",
        "synthesis_by_mode.png",
        "grounding_by_mode.png",
        "manifest.json",
    ):
        assert (tmp_path / name).stat().st_size > 0, name
    report = (tmp_path / "report.md").read_text()
    assert "| mas | 14 / 14 |" in report and "WorldView-Bench" in report and "distinct drafts" in report
    assert "| baseline | 14 | 1.0 [1.0, 1.0] | 100.0% | 100.0% [100.0, 100.0] |" in report  # every one invented
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["config"]["models"] == [model] and manifest["prompts_hash"]


async def test_a_report_without_matplotlib_says_it_has_no_charts(tmp_path: Path, monkeypatch) -> None:
    """The container image leaves matplotlib out: the report is written whole, without PNGs, and says why."""
    from multiplex.bench import charts

    await bench(tmp_path, load_dataset("sample")[:2])
    monkeypatch.setattr(charts, "can_plot", lambda: False)
    write_report(tmp_path, ROSTER)
    assert not list(tmp_path.glob("*.png"))
    assert charts.MISSING in (tmp_path / "report.md").read_text()


async def test_shards_merged_equal_an_unsharded_run(tmp_path: Path) -> None:
    questions = load_dataset("sample")
    await bench(tmp_path / "all", questions)
    for i in (1, 2, 3):
        await bench(tmp_path / f"s{i}", questions, shard=(i, 3))
    sizes = [len(RunStore(tmp_path / f"s{i}").records()) for i in (1, 2, 3)]
    assert sum(sizes) == 42 and max(sizes) - min(sizes) <= 1
    merge(tmp_path / "merged", [tmp_path / f"s{i}" for i in (1, 2, 3)])

    def answers(folder: Path) -> dict:
        return {k: (r["text"], r["scores"]["pds_entropy"]) for k, r in RunStore(folder).latest().items()}

    assert answers(tmp_path / "merged") == answers(tmp_path / "all")


async def test_failed_runs_are_kept_retried_and_never_averaged(tmp_path: Path, env) -> None:
    questions = load_dataset("sample")[:3]
    env(fake_fail="western,islamic,confucian,hindu,buddhist,african,indigenous", retries=0)
    assert await bench(tmp_path, questions, modes=("baseline", "mas")) == (3, 3)
    failed = [r for r in RunStore(tmp_path).records() if r["status"] == "failed"]
    assert len(failed) == 3 and all("only 0 of 7" in r["error"] for r in failed)
    summary = write_report(tmp_path, ROSTER)
    assert summary["modes"]["mas"]["failed"] == 3 and summary["modes"]["mas"]["mean_pds_entropy"] is None
    env(fake_fail="")
    assert await bench(tmp_path, questions, modes=("baseline", "mas")) == (3, 0)  # only the failed ones again
    assert write_report(tmp_path, ROSTER)["modes"]["mas"]["ok"] == 3


async def test_a_real_provider_failing_keeps_the_error_and_the_rerun_does_only_those(tmp_path: Path, upstream) -> None:
    """Over HTTP through litellm's `openai/` provider: every call about the first question is
    rate limited, and the second question's agents get a 401. The failed runs are kept with the
    provider's answer; the same command again, the provider healthy, runs only those."""
    from tests.upstream import Reply

    questions = load_dataset("sample")[:2]
    upstream.script(Reply(status=429, retry_after=0), when_user=questions[0].prompt)
    upstream.script(Reply(status=401), when_user=questions[1].prompt, when_system="voice of the")
    settings = {"model": "openai/loopback-model", "retries": 0, "planner": "off"}
    assert await bench(tmp_path, questions, modes=("baseline", "mas"), **settings) == (1, 3)
    failed = {(r["question_id"], r["mode"]): r["error"] for r in RunStore(tmp_path).records() if r["error"]}
    assert "HTTP 429" in failed[(questions[0].id, "baseline")]
    assert "only 0 of 7" in failed[(questions[0].id, "mas")] and "only 0 of 7" in failed[(questions[1].id, "mas")]
    upstream.reset()
    assert await bench(tmp_path, questions, modes=("baseline", "mas"), **settings) == (3, 0)
    latest = RunStore(tmp_path).latest()
    assert len(latest) == 4 and all(r["status"] == "ok" for r in latest.values())  # the failures stay in the log


async def test_rescoring_and_judge_agreement_resume_and_compare(tmp_path: Path, scripted) -> None:
    questions = load_dataset("sample")[:4]
    await bench(tmp_path, questions, modes=("baseline", "mas"), model=scripted("panel", panel))
    calls = []

    def judge_reply(call) -> str:  # a judge that sees only the Western references, and fails on one answer
        calls.append(call)
        if len(calls) == 3:
            raise RuntimeError("judge down")
        western = "Kant" in call.user
        refs = [{"perspective": "western", "term": "Kant", "sentence": "Kant."}] if western else []
        return json.dumps({"references": refs})

    judge = scripted("judge", judge_reply)
    scorer = engine(judge=judge, retries=0).scorer
    first = await judged(tmp_path, scorer, judge)
    assert len(first) == 8 and sum("error" in row for row in first.values()) == 1
    second = await judged(tmp_path, scorer, judge)  # resumes: only the failed answer again
    assert len(calls) == 9 and all("scores" in row for row in second.values())
    lexicon = await judged(tmp_path, scorer, "lexicon")
    result = agreement(second, lexicon, ROSTER.ids)
    assert result["answers"] == 8
    western, islamic = result["perspectives"]["western"], result["perspectives"]["islamic"]
    assert western["precision"] == 1.0 and western["recall"] == 1.0 and western["kappa"] == 1.0
    assert islamic["tp"] == 0 and islamic["fn"] == 4 and islamic["recall"] == 0.0 and islamic["kappa"] == 0.0
    assert await rescore(tmp_path, scorer, judge) == 8
    record = next(r for r in RunStore(tmp_path).records() if r["mode"] == "mas")
    assert record["scores"]["judge"] == judge and record["scores"]["synthesis"]["retention_min"] > 0.9


def test_killed_run_resumes_with_only_the_rest(tmp_path: Path) -> None:
    rows = [json.dumps({"id": f"q{i}", "prompt": f"Question {i}?"}) for i in range(8)]
    (tmp_path / "q.jsonl").write_text("\n".join(rows) + "\n")
    out = tmp_path / "out"
    env = {**os.environ, "MULTIPLEX_MODEL": "fake/test", "MULTIPLEX_FAKE_LATENCY_MS": "150"}
    command = [
        sys.executable,
        "-m",
        "multiplex.cli",
        "bench",
        "run",
        str(tmp_path / "q.jsonl"),
        "--out",
        str(out),
        "--modes",
        "baseline",
        "--concurrency",
        "1",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    records = out / "records.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if records.exists() and len(records.read_text().splitlines()) >= 3:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    first = len(RunStore(out).records())
    assert 3 <= first < 8
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert f"{8 - first} runs ok" in finished.stderr
    all_records = RunStore(out).records()
    assert len(all_records) == 8
    assert sorted(r["question_id"] for r in all_records) == [f"q{i}" for i in range(8)]


def _bench_command(dataset: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "multiplex.cli",
        "bench",
        "run",
        str(dataset),
        "--out",
        str(out),
        "--modes",
        "baseline",
    ]


def test_a_full_disk_is_one_line_and_a_rerun_repairs_and_finishes(tmp_path: Path) -> None:
    """A real process whose file-size limit runs out mid-record (as a full disk would): one line,
    a non-zero exit, the finished runs kept; the rerun sets the torn line aside and finishes."""
    import resource

    padding = "Why is this so? " * 150  # records of about 5 kB, so the records file meets the limit first
    rows = [json.dumps({"id": f"q{i}", "prompt": f"Question number {i}? {padding}"}) for i in range(12)]
    (tmp_path / "q.jsonl").write_text("\n".join(rows) + "\n")
    out = tmp_path / "out"
    env = {**os.environ, "MULTIPLEX_MODEL": "fake/test"}
    full = subprocess.run(
        _bench_command(tmp_path / "q.jsonl", out),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (24_576, 24_576)),
    )
    assert full.returncode == 1 and "Traceback" not in full.stderr
    assert full.stderr.strip().startswith(f"error: cannot write the runs to {out}")
    assert len(full.stderr.strip().splitlines()) == 1
    raw = (out / "records.jsonl").read_bytes()
    assert not raw.endswith(b"\n")  # the record being written when the room ran out is torn
    kept = raw.count(b"\n")
    assert 0 < kept < 12
    rerun = subprocess.run(_bench_command(tmp_path / "q.jsonl", out), env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert "set aside in" in rerun.stderr and f"{12 - kept} runs ok" in rerun.stderr
    assert sorted(r["question_id"] for r in RunStore(out).records()) == sorted(f"q{i}" for i in range(12))


def test_a_folder_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    done = subprocess.run(
        _bench_command(Path("sample"), tmp_path / "a-file" / "out"),
        env={**os.environ, "MULTIPLEX_MODEL": "fake/test"},
        capture_output=True,
        text=True,
    )
    assert (
        done.returncode == 1 and done.stderr.strip() == f"error: cannot write to {tmp_path}/a-file/out: Not a directory"
    )


def test_store_index_follows_the_records_file(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    base = {"question_id": "q1", "mode": "mas", "model": "fake/test"}
    store.append({**base, "status": "ok"})
    store.append({**base, "status": "failed"})  # a later failure never hides an ok run
    store.append({**base, "question_id": "q2", "status": "failed"})
    assert store.done() == {("q1", "mas", "fake/test", 0, 0)}
    (tmp_path / "index.sqlite").unlink()  # a lost index is rebuilt from the file
    assert RunStore(tmp_path).done() == {("q1", "mas", "fake/test", 0, 0)}


def test_a_torn_last_line_is_set_aside_on_open_never_glued_to_the_next_record(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    base = {"question_id": "q1", "mode": "mas", "model": "fake/test"}
    store.append({**base, "status": "ok"})
    with (tmp_path / "records.jsonl").open("a") as handle:  # a crash mid-write of q2's record
        handle.write('{"question_id": "q2", "mode": "mas", "model": "fake/test", "status": "o')
    reopened = RunStore(tmp_path)
    assert reopened.repaired is not None and "torn" in reopened.repaired
    assert (tmp_path / "records.torn").read_text().startswith('{"question_id": "q2"')
    reopened.append({**base, "question_id": "q3", "status": "ok"})
    assert [r["question_id"] for r in reopened.records()] == ["q1", "q3"]  # q3 whole, q2 to run again
    assert reopened.done() == {("q1", "mas", "fake/test", 0, 0), ("q3", "mas", "fake/test", 0, 0)}
    assert RunStore(tmp_path).repaired is None  # repaired once


def test_an_index_of_an_older_layout_is_rebuilt(tmp_path: Path) -> None:
    import sqlite3

    RunStore(tmp_path).append({"question_id": "q1", "mode": "mas", "model": "m", "status": "ok"})
    (tmp_path / "index.sqlite").unlink()
    db = sqlite3.connect(tmp_path / "index.sqlite")
    db.execute("CREATE TABLE runs (question_id TEXT, mode TEXT, model TEXT, status TEXT, offset INTEGER)")
    db.commit()
    db.close()
    assert RunStore(tmp_path).done() == {("q1", "mas", "m", 0, 0)}


async def test_repeats_ask_with_their_seeds_and_variants_in_their_wordings(tmp_path: Path, scripted) -> None:
    """What reaches the model is what the record says was asked: each repeat's seed, each variant's
    wording (and so no repeat is answered from the answer cache as the same request)."""
    from multiplex.bench.datasets import Question
    from multiplex.bench.run import WORDINGS

    seen: list[tuple[str, int | None]] = []

    def reply(call) -> str:
        seen.append((call.user, call.seed))
        return f"An answer to {call.user!r}. It weighs the question."

    model = scripted("seen", reply)
    loaded = load_settings(model=model, cache_ttl_s=3600)
    questions = [Question("q1", "Is it right to eat meat?")]
    config = BenchConfig(("baseline",), (model,), concurrency=2, repeats=3, variants=2)
    ok, failed = await run_bench(questions, tmp_path / "o", loaded, config)
    assert (ok, failed) == (4, 0)
    records = sorted(RunStore(tmp_path / "o").records(), key=lambda r: (r["variant"], r["repeat"]))
    assert [(r["variant"], r["repeat"], r["seed"]) for r in records] == [(0, 0, 1), (0, 1, 2), (0, 2, 3), (1, 0, 1)]
    assert not any(r["cached"] for r in records)
    asked = {r["prompt"] for r in records}
    assert asked == {WORDINGS[0].format(question=questions[0].prompt), WORDINGS[1].format(question=questions[0].prompt)}
    assert {user for user, _ in seen} == asked  # the model read each wording
    assert sorted(seed for _, seed in seen) == [1, 1, 2, 3]  # and each repeat's seed
