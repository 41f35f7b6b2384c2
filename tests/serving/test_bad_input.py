"""Bad input fails alone and says so: over real HTTP, at start-up, and in a bench run."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from multiplex.bench.datasets import load_dataset
from multiplex.bench.run import BenchConfig, run_bench
from multiplex.errors import ConfigError, DataError
from multiplex.graph import Engine
from multiplex.grounding.passages import Review, read_passages
from multiplex.roster import resolve_source
from multiplex.settings import load_settings

CHAT = {"model": "multiplex-baseline", "messages": [{"role": "user", "content": "Q?"}]}


def test_an_unexpected_error_is_a_500_with_its_request_id_in_the_header_and_the_log(serve, monkeypatch, logs) -> None:
    server = serve()

    def broken(self, request):  # noqa: ARG001
        raise RuntimeError("a bug")

    monkeypatch.setattr(Engine, "prepare", broken)
    response = httpx.post(f"{server.api}/chat/completions", json=CHAT, headers={"x-request-id": "req-look-here"})
    assert response.status_code == 500 and response.headers["x-request-id"] == "req-look-here"
    assert (
        response.json()["error"]["code"] == "internal_error" and "req-look-here" in response.json()["error"]["message"]
    )
    [line] = [r for r in logs.records if r.getMessage().startswith("unexpected error")]
    assert line.request_id == "req-look-here" and line.exc_info is not None


def test_a_boolean_is_not_a_temperature_and_there_are_no_cdn_docs(server) -> None:
    for field in ("temperature", "top_p", "presence_penalty"):
        response = httpx.post(f"{server.api}/chat/completions", json={**CHAT, field: True})
        assert response.status_code == 400 and response.json()["error"]["param"] == field, response.text
    assert httpx.post(f"{server.api}/chat/completions", json={**CHAT, "temperature": 1}).status_code == 200
    for path in ("/docs", "/redoc"):
        assert httpx.get(f"{server.base_url}{path}").status_code == 404  # their pages load scripts from a CDN
    assert httpx.get(f"{server.base_url}/openapi.json").status_code == 200


def test_a_source_whose_passage_ids_are_malformed_stops_start_up_with_its_file_and_line(tmp_path: Path) -> None:
    works = tmp_path / "sources" / "mine"
    works.mkdir(parents=True)
    good = {"id": "mine.sayings.1", "tradition": "mine", "work": "Sayings", "locator": "1", "text": "Be kind."}
    bad = {**good, "id": "seven", "locator": "2"}
    (works / "sayings.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sayings.jsonl:2: passage id 'seven' is not of the form"):
        read_passages(works / "sayings.jsonl", Review(frozenset(), {}))


@pytest.mark.parametrize("entry", ["../outside.jsonl", "/etc/passwd.jsonl", "sources/*/x.jsonl", "sources/[ab].jsonl"])
def test_a_card_names_sources_inside_its_folder_only(tmp_path: Path, entry: str) -> None:
    (tmp_path.parent / "outside.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="field 'sources'"):
        resolve_source(entry, tmp_path, "mine")


def test_a_row_holding_a_lone_surrogate_anywhere_is_refused_when_read(tmp_path: Path) -> None:
    rows = [
        {"id": "q1", "prompt": "Fine?"},
        {"id": "q2", "prompt": "Fine too?", "metadata": {"viewpoints": [{"text": "x", "stance": "\ud800"}]}},
        {"id": "q3", "prompt": "And this?", "metadata": {"paraphrases": ["ok", "\udfff"]}},
    ]
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")  # json escapes them: valid UTF-8
    loaded = load_dataset(str(path))
    assert [q.id for q in loaded] == ["q1"] and len(loaded.refused) == 2
    assert all("invalid Unicode" in line for line in loaded.refused)


async def test_one_runs_unexpected_error_is_its_failed_record_not_the_batchs_end(
    tmp_path: Path, scripted, monkeypatch
) -> None:
    from multiplex.bench.datasets import Question
    from multiplex.graph import engine as engine_module

    real = engine_module.Engine.run

    async def sometimes(self, request):
        if "boom" in request.messages[-1]["content"]:
            raise KeyError("a bug in one run")
        return await real(self, request)

    monkeypatch.setattr(engine_module.Engine, "run", sometimes)
    questions = [Question("a", "Fine?"), Question("b", "boom?"), Question("c", "Also fine?")]
    settings = load_settings(model=scripted("fine", lambda c: "An answer."))
    config = BenchConfig(("baseline",), ("fake/fine",), concurrency=2)
    ok, failed = await run_bench(questions, tmp_path, settings, config)
    assert (ok, failed) == (2, 1)
    records = [json.loads(line) for line in (tmp_path / "records.jsonl").read_text().splitlines()]
    [broken] = [r for r in records if r["status"] == "failed"]
    assert broken["question_id"] == "b" and broken["error"].startswith("KeyError")


async def test_two_bench_runs_on_one_folder_do_not_both_run(tmp_path: Path, scripted) -> None:
    from multiplex.bench.datasets import Question

    settings = load_settings(model=scripted("slow", lambda c: "An answer."), fake_latency_ms=300)
    questions = [Question(str(i), f"Q{i}?") for i in range(4)]
    args = (questions, tmp_path, settings, BenchConfig(("baseline",), ("fake/slow",), concurrency=1))
    first = asyncio.create_task(run_bench(*args))
    await asyncio.sleep(0.1)
    with pytest.raises(DataError, match="another bench run is writing to"):
        await run_bench(*args)
    assert await first == (4, 0)
