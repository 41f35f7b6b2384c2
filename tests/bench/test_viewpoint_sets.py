"""Perspectrum and ArgKP by name: the real loading code over the ../shared copy of the upstream
files, the fetch from a URL (once, checked by sha256, cached), and a bench run that scores each
answer's coverage of the question's viewpoints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from multiplex.bench.datasets import load_dataset
from multiplex.bench.store import RunStore
from multiplex.bench.viewpoint_sets import ARGKP_FILES, CLAIM_QUESTION
from multiplex.errors import DataError
from tests.conftest import ARGKP, PERSPECTRUM, needs_viewpoints


@needs_viewpoints
def test_perspectrum_by_name_holds_its_claims_splits_and_clusters() -> None:
    questions = load_dataset("perspectrum", {"perspectrum": str(PERSPECTRUM)})
    assert len(questions) == 907
    assert Counter(q.metadata["split"] for q in questions) == {"train": 541, "dev": 139, "test": 227}
    viewpoints = [v for q in questions for v in q.metadata["viewpoints"]]
    assert len(viewpoints) == 5095  # the clusters of equivalent perspectives
    assert Counter(v["stance"] for v in viewpoints) == {"support": 2627, "undermine": 2468}
    vaccines = next(q for q in questions if q.metadata["claim"] == "Vaccination must be made compulsory")
    assert vaccines.prompt == CLAIM_QUESTION.format(claim="Vaccination must be made compulsory")
    first = vaccines.metadata["viewpoints"][0]
    assert first["text"] == "It is the state’s duty to protect its community" and first["stance"] == "support"
    assert "The state must keep it's community safe." in first["paraphrases"]
    assert {q.domain for q in questions} == {"1-2 viewpoints", "3-4 viewpoints", "5-7 viewpoints", "8+ viewpoints"}


@needs_viewpoints
def test_argkp_by_name_holds_its_topics_and_key_points() -> None:
    questions = load_dataset("argkp", {"argkp": str(ARGKP)})
    assert len(questions) == 28
    assert Counter(q.metadata["split"] for q in questions) == {"train": 24, "dev": 4}
    assert sum(len(q.metadata["viewpoints"]) for q in questions) == 243
    suicide = questions[0]
    assert suicide.id == "argkp-0" and suicide.metadata["claim"] == "Assisted suicide should be a criminal offence"
    assert {v["stance"] for v in suicide.metadata["viewpoints"]} == {"pro", "con"}
    assert "Assisted suicide reduces suffering" in [v["text"] for v in suicide.metadata["viewpoints"]]


@needs_viewpoints
def test_argkp_is_fetched_once_checked_and_cached(tmp_path: Path, monkeypatch) -> None:
    hits: list[str] = []
    corrupt = {"flag": False}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            hits.append(self.path)
            name = self.path.removeprefix("/base/")
            payload = (ARGKP / name).read_bytes() if name in ARGKP_FILES else b""
            if corrupt["flag"]:
                payload += b"\n"
            self.send_response(200 if payload else 404)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/base"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    try:
        assert len(load_dataset("argkp", {"argkp": base})) == 28
        fetched = len(hits)
        assert fetched == 2  # the key points of both splits
        assert len(load_dataset("argkp", {"argkp": base})) == 28
        assert len(hits) == fetched  # read from the cache
        corrupt["flag"] = True
        with pytest.raises(DataError, match="is not the file this multiplex knows: sha256"):
            load_dataset("argkp", {"argkp": base.replace("/base", "/base/")})  # another URL, not cached
    finally:
        server.shutdown()


def test_with_no_network_the_error_says_what_to_do(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with pytest.raises(DataError, match="set MULTIPLEX_PERSPECTRUM_URL to the folder"):
        load_dataset("perspectrum", {"perspectrum": "http://127.0.0.1:9/nowhere"})


@needs_viewpoints
def test_a_bench_run_scores_coverage_of_each_questions_viewpoints(tmp_path: Path) -> None:
    env = {**os.environ, "MULTIPLEX_MODEL": "fake/test", "MULTIPLEX_ARGKP_URL": str(ARGKP)}
    out = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "multiplex.cli", "bench", "run", "argkp", "--split", "dev", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    records = RunStore(out).records()
    dev = {q.id for q in load_dataset("argkp", {"argkp": str(ARGKP)}) if q.metadata["split"] == "dev"}
    assert len(records) == 12 and {r["question_id"] for r in records} == dev
    for record in records:
        viewpoints = record["scores"]["viewpoints"]
        assert viewpoints["matcher"] == "wordllama" and len(viewpoints["covered"]) >= 3
        assert set(viewpoints["by_stance"]) == {"pro", "con"}
        assert (viewpoints["drafts"] is not None) == (record["mode"] == "mas")
    report = subprocess.run(
        [sys.executable, "-m", "multiplex.cli", "bench", "report", str(out)], env=env, capture_output=True, text=True
    )
    assert "Coverage of the viewpoints people hold" in report.stdout and (out / "viewpoints_by_mode.png").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["modes"]["mas"]["viewpoints"]["best_single"]["answers"] == 4
