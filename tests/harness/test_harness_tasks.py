"""multiplex's tasks in the harnesses: `inspect eval multiplex/...` (found through the entry
point, as a user runs it) on inspect's mockllm and on the loopback upstream, and the lm-eval task
on the loopback upstream; each writes multiplex's figures into the harness's own results."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("inspect_ai", reason="inspect_ai is in the harness extra: pip install -e '.[harness]'")

from inspect_ai import eval  # noqa: E402
from inspect_ai.log import read_eval_log  # noqa: E402

from tests.conftest import ARGKP, WORLDVIEW_BENCH, needs_viewpoints, needs_worldview_bench  # noqa: E402
from tests.upstream import Reply  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# a real passage of the Qur'an (17:23) in the shipped sources, and three traditions named
ANSWER = (
    "Islamic ethics, Confucian thought and Buddhist teaching each speak to it. "
    'The Quran says: "Thy Lord hath decreed, that ye worship none save Him, and (that ye show) kindness to parents." '
    'A made-up line: "Respect the elders in every single season of life."'
)


def means(log) -> dict[str, float]:
    """Each figure's mean over the samples, as the log holds it (one score per figure, with its
    mean and stderr)."""
    assert all({"mean", "stderr"} <= set(score.metrics) for score in log.results.scores)
    return {score.name: score.metrics["mean"].value for score in log.results.scores}


@pytest.fixture
def worldview_bench(monkeypatch) -> None:
    monkeypatch.setenv("MULTIPLEX_WORLDVIEW_BENCH_URL", str(WORLDVIEW_BENCH))


@needs_worldview_bench
def test_the_registered_task_runs_on_mockllm(worldview_bench, tmp_path) -> None:
    """What `inspect eval multiplex/worldview_bench --model mockllm/model --limit 3` does."""
    [log] = eval("multiplex/worldview_bench", model="mockllm/model", limit=3, log_dir=str(tmp_path), display="none")
    assert log.status == "success", log.error
    log = read_eval_log(log.location)  # as `inspect view` reads it
    assert {"pds_entropy", "references", "references_islamic", "positive", "quotations_not_found"} <= set(means(log))
    assert len(log.samples) == 3
    for sample in log.samples:
        [value] = sample.scores.values()
        assert set(value.value) >= {"pds_entropy", "references_western", "positive", "quotations"}
        assert value.metadata["multiplex"]["judge"] == "lexicon"  # the scorer JSON, per sample


@needs_worldview_bench
@pytest.mark.parametrize("mode", ["baseline", "contextual"])
def test_the_scorer_reads_a_real_answer_and_the_mode_sets_the_system_prompt(
    worldview_bench, upstream, tmp_path, mode
) -> None:
    upstream.default = Reply(text=ANSWER)
    os.environ["LOOPBACK_API_KEY"] = "none"  # inspect's openai-api/<name>/ provider reads <NAME>_API_KEY
    os.environ["LOOPBACK_BASE_URL"] = upstream.api
    try:
        [log] = eval(
            "multiplex/worldview_bench",
            model="openai-api/loopback/any-model",
            task_args={"system_prompt": mode},
            limit=2,
            log_dir=str(tmp_path),
            display="none",
        )
    finally:
        del os.environ["LOOPBACK_API_KEY"], os.environ["LOOPBACK_BASE_URL"]
    assert log.status == "success", log.error
    metrics = means(log)
    assert metrics["pds_entropy"] > 0.4  # three traditions named
    assert metrics["quotations"] == 2 and metrics["quotations_not_found"] == 1  # the Qur'an's found, the other not
    assert metrics["references_islamic"] >= 1 and metrics["references_hindu"] == 0
    systems = [m["content"] for call in upstream.calls for m in call.body["messages"] if m["role"] == "system"]
    assert (len(systems) == 2 and "multiplex assistant" in systems[0]) if mode == "contextual" else not systems


@needs_viewpoints
def test_a_set_with_viewpoints_reports_their_coverage(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MULTIPLEX_ARGKP_URL", str(ARGKP))
    [log] = eval("multiplex/argkp", model="mockllm/model", limit=2, log_dir=str(tmp_path), display="none")
    assert log.status == "success", log.error
    assert "coverage" in means(log)
    assert all("viewpoints" in s.scores["plurality"].metadata["multiplex"] for s in log.samples)


def test_a_mode_the_papers_do_not_have_is_refused() -> None:
    from multiplex.errors import DataError
    from multiplex.harness.measure import system_prompt

    with pytest.raises(DataError, match="system_prompt must be one of baseline, contextual"):
        system_prompt("mas")


@needs_worldview_bench
def test_the_lm_eval_task_runs_on_the_loopback_upstream(worldview_bench, upstream) -> None:
    lm_eval = pytest.importorskip("lm_eval", reason="lm-eval is in the harness extra: pip install -e '.[harness]'")
    from lm_eval.tasks import TaskManager

    upstream.default = Reply(text=ANSWER)
    results = lm_eval.simple_evaluate(
        model="local-chat-completions",
        model_args=f"model=any-model,base_url={upstream.api}/chat/completions,tokenizer_backend=none",
        tasks=["worldview_bench"],
        task_manager=TaskManager(include_path=str(ROOT / "multiplex" / "harness" / "lm_eval")),
        apply_chat_template=True,
        limit=2,
    )
    figures = results["results"]["worldview_bench"]
    assert figures["pds_entropy,none"] > 0.4 and figures["quotations_not_found,none"] == 1
    assert figures["references_islamic,none"] >= 1 and "pds_entropy_stderr,none" in figures
