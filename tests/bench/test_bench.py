from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from multiplex.bench.datasets import load_dataset
from multiplex.bench.report import write_report
from multiplex.bench.run import merge, parse_shard, run_bench
from multiplex.bench.store import RunStore
from multiplex.errors import InvalidRequest
from multiplex.settings import load_settings
from tests.conftest import WORLDVIEW_BENCH


def test_worldview_bench_layout_loads_175_questions_in_7_domains() -> None:
    questions = load_dataset(WORLDVIEW_BENCH)
    assert len(questions) == 175
    assert len({q.domain for q in questions}) == 7
    assert questions[0].id == "ethical-moral-01"
    assert questions[0].prompt.startswith("Is it ever justifiable to sacrifice individual rights")
    assert not any(q.prompt[0].isdigit() for q in questions)


def test_jsonl_csv_and_sample(tmp_path: Path) -> None:
    (tmp_path / "q.jsonl").write_text('{"id": "a", "prompt": "Why?", "domain": "d"}\n\n{"id": "b", "prompt": "How?"}\n')
    assert [q.id for q in load_dataset(tmp_path / "q.jsonl")] == ["a", "b"]
    (tmp_path / "q.csv").write_text('id,prompt\nx,What?\ny,"Who, then?"\n')
    assert [q.prompt for q in load_dataset(tmp_path / "q.csv")] == ["What?", "Who, then?"]
    sample = load_dataset("sample")
    assert len(sample) == 14 and len({q.domain for q in sample}) == 7
    (tmp_path / "bad.jsonl").write_text('{"prompt": "no id"}\n')
    with pytest.raises(InvalidRequest, match="bad.jsonl:1"):
        load_dataset(tmp_path / "bad.jsonl")
    with pytest.raises(InvalidRequest, match="no dataset"):
        load_dataset(tmp_path / "missing.csv")


def test_shard_parsing() -> None:
    assert parse_shard("2/3") == (2, 3)
    for bad in ("0/3", "4/3", "x"):
        with pytest.raises(InvalidRequest):
            parse_shard(bad)


async def bench(out: Path, questions, shard=(1, 1), modes=("baseline", "contextual", "mas")) -> tuple[int, int]:
    settings = load_settings()
    return await run_bench(questions, out, settings, list(modes), [settings.model], None, 8, shard, None)


async def test_full_worldview_bench_run_and_report(tmp_path: Path) -> None:
    questions = load_dataset(WORLDVIEW_BENCH)
    assert await bench(tmp_path, questions) == (525, 0)
    assert await bench(tmp_path, questions) == (0, 0)  # nothing left to do
    summary = write_report(tmp_path, 7)
    modes = summary["modes"]
    assert list(modes) == ["baseline", "contextual", "mas"]
    assert modes["mas"]["ok"] == 175
    assert modes["baseline"]["mean_pds_entropy"] < 0.1 < modes["contextual"]["mean_pds_entropy"]
    assert modes["mas"]["mean_pds_entropy"] > 0.99
    assert len(modes["mas"]["entropy_by_domain"]) == 7
    for name in (
        "report.md",
        "summary.json",
        "summary.csv",
        "entropy_by_mode.png",
        "entropy_by_domain.png",
        "distribution_by_mode.png",
        "sentiment_by_mode.png",
        "manifest.json",
    ):
        assert (tmp_path / name).stat().st_size > 0, name
    report = (tmp_path / "report.md").read_text()
    assert "| mas | 175 / 175 |" in report and "WorldView-Bench" in report
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["config"]["models"] == ["fake/test"] and manifest["prompts_hash"]


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
    env(fake_fail="western,islamic,confucian,hindu,buddhist,african,indigenous")
    assert await bench(tmp_path, questions, modes=("baseline", "mas")) == (3, 3)
    failed = [r for r in RunStore(tmp_path).records() if r["status"] == "failed"]
    assert len(failed) == 3 and all("only 0 of 7" in r["error"] for r in failed)
    summary = write_report(tmp_path, 7)
    assert summary["modes"]["mas"]["failed"] == 3 and summary["modes"]["mas"]["mean_pds_entropy"] is None
    env(fake_fail="")
    assert await bench(tmp_path, questions, modes=("baseline", "mas")) == (3, 0)  # only the failed ones again
    assert write_report(tmp_path, 7)["modes"]["mas"]["ok"] == 3


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


def test_store_index_follows_the_records_file(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    base = {"question_id": "q1", "mode": "mas", "model": "fake/test"}
    store.append({**base, "status": "ok"})
    store.append({**base, "status": "failed"})  # a later failure never hides an ok run
    store.append({**base, "question_id": "q2", "status": "failed"})
    assert store.done() == {("q1", "mas", "fake/test")}
    (tmp_path / "index.sqlite").unlink()  # a lost index is rebuilt from the file
    with (tmp_path / "records.jsonl").open("a") as handle:
        handle.write('{"question_id": "q3", "mo')  # and a torn last line is skipped
    assert RunStore(tmp_path).done() == {("q1", "mas", "fake/test")}
