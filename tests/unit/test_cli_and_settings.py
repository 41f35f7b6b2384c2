from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import litellm
import pytest
from typer.testing import CliRunner

from multiplex.cli import app
from multiplex.errors import ConfigError
from multiplex.llm import LLM, CallTag, GenerationParams
from multiplex.settings import get_settings, load_settings
from tests.conftest import IDS, RealProviderCalled, engine


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def cli(*args: str, stdin: str | None = None, **env: str) -> Done:
    """Run the command in-process (typer's runner), with MULTIPLEX_* variables for this call."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, list(args), input=stdin)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
    return Done(result.exit_code, result.stdout, result.stderr)


def test_bad_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MULTIPLEX_QUORUM", "3")
    with pytest.raises(ConfigError, match="MULTIPLEX_QUORUM"):
        load_settings()
    monkeypatch.delenv("MULTIPLEX_QUORUM")
    with pytest.raises(ConfigError, match="MULTIPLEX_MODEL: 'gpt4' is not a litellm model string"):
        load_settings(model="gpt4")  # a check across settings names its variable too
    with pytest.raises(ConfigError, match="MULTIPLEX_AGENTS_DIR: .*is not a folder"):
        load_settings(agents_dir="/nowhere")
    with pytest.raises(ConfigError, match="MULTIPLEX_JUDGE: 'gpt4' is not 'lexicon' or a litellm model string"):
        load_settings(judge="gpt4")
    with pytest.raises(ConfigError, match="MULTIPLEX_CLIENT_TASK_PATTERNS: .*not a regular expression"):
        load_settings(client_task_patterns=["(unclosed"])


def test_an_empty_straggler_grace_waits_for_every_agent() -> None:
    assert load_settings(straggler_grace_s="").straggler_grace_s is None  # as the README says
    assert load_settings(straggler_grace_s="2.5").straggler_grace_s == 2.5


def test_comma_lists_and_defaults() -> None:
    settings = load_settings(api_keys="a, b,,", fake_fail="islamic")
    assert settings.api_keys == ["a", "b"] and settings.fake_fail == ["islamic"]
    assert settings.synthesizer == settings.model
    assert engine().context.plans() is False and engine(model="openai/gpt-4o-mini").context.plans() is True


async def test_the_guard_stops_a_call_to_a_real_provider() -> None:
    with pytest.raises(RealProviderCalled):
        await LLM(load_settings()).generate(
            "openai/gpt-4o-mini", [{"role": "user", "content": "hi"}], GenerationParams(), CallTag("baseline")
        )
    assert litellm.acompletion.__name__ == "guarded"


def test_cli_ask_json_and_live() -> None:
    done = cli("ask", "What is a good life?", "--mode", "mas", "--perspectives", "hindu,african", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [p["id"] for p in result["perspectives"]] == ["hindu", "african"]
    assert result["scores"]["synthesis"]["retention"].keys() == {"hindu", "african"}
    assert result["synthesis"]["strategy"] == "sections" and result["finish_reason"] == "stop"
    live = cli("ask", "What is a good life?")
    assert live.returncode == 0 and "Synthesis" in live.stdout and "Indigenous" in live.stdout
    assert "Analysis" in live.stdout and set(result["analysis"]) >= {"agreements", "tensions", "distinctive"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", ""), "the question is empty"),
        (("ask", "Q?", "--mode", "loud"), "unknown mode 'loud'"),
        (("ask", "Q?", "--perspectives", "martian"), "unknown perspective 'martian'"),
        (("score", "/no/such/file"), "cannot read /no/such/file"),
    ],
)
def test_cli_errors_are_one_line_and_non_zero(args, message) -> None:
    done = cli(*args)
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_failed_settings_are_one_line() -> None:
    done = cli("agents", MULTIPLEX_QUORUM="0")
    assert done.returncode == 1 and "MULTIPLEX_QUORUM" in done.stderr and "Traceback" not in done.stderr


def test_cli_score_text_json_and_jsonl() -> None:
    done = cli("score", "-", "--json", stdin="Kant wrote on duty. Ubuntu speaks of community.")
    assert round(json.loads(done.stdout)["pds_entropy"], 3) == 0.356
    lines = cli("score", "-", "--jsonl", stdin='{"text": "The Quran."}\n\n"Kant and Confucius."\n')
    results = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [r["counts"]["islamic"] for r in results] == [1, 0]
    assert results[1]["counts"]["confucian"] == 1
    for bad, why in (('"fine"\nThe Quran.\n', "-:2: not JSON"), ('{"answer": "x"}\n', "-:1: neither a JSON string")):
        done = cli("score", "-", "--jsonl", stdin=bad)
        assert done.returncode == 1 and done.stdout == "" and why in done.stderr, done.stderr
        assert done.stderr.strip().count("\n") == 0  # one line, naming the line of the input
    table = cli("score", stdin="The Buddha taught kindness.")
    assert "PDS entropy: 0.0%" in table.stdout


def test_cli_agents_lists_the_roster() -> None:
    done = cli("agents", "--json")
    assert [a["id"] for a in json.loads(done.stdout)] == IDS


def test_cli_score_with_drafts(tmp_path) -> None:
    drafts = tmp_path / "drafts.json"
    drafts.write_text(json.dumps({"confucian": "Confucius taught filial piety.", "african": "Ubuntu binds us."}))
    done = cli("score", "-", "--json", "--drafts", str(drafts), stdin="Confucius taught filial piety.")
    assert done.returncode == 0, done.stderr
    synthesis = json.loads(done.stdout)["synthesis"]
    assert synthesis["retention_min"] == synthesis["retention"]["african"] < synthesis["retention"]["confucian"]
    table = cli("score", "-", "--drafts", str(drafts), stdin="Confucius taught filial piety.")
    assert "lowest retention" in table.stdout and "distinct drafts" in table.stdout
    drafts.write_text('{"martian": "x"}')
    bad = cli("score", "-", "--drafts", str(drafts), stdin="x")
    assert bad.returncode == 1 and "unknown perspective ids ['martian']" in bad.stderr
    drafts.write_text("[1, 2]")
    bad = cli("score", "-", "--drafts", str(drafts), stdin="x")
    assert bad.returncode == 1 and "one JSON object" in bad.stderr


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"MULTIPLEX_CLIENT_TASK_PATTERNS": "notjson"}, "MULTIPLEX_CLIENT_TASK_PATTERNS: not valid JSON"),
        ({"MULTIPLEX_API_KEYS": " , "}, "MULTIPLEX_API_KEYS: ' , ' names no key"),
        ({"MULTIPLEX_QUORUM": "often"}, "MULTIPLEX_QUORUM"),
    ],
)
def test_a_bad_setting_is_one_line_and_a_non_zero_exit(env, says) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "multiplex.cli", "agents"], env={**os.environ, **env}, capture_output=True, text=True
    )
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and says in done.stderr, done.stderr


def test_a_model_file_that_is_not_a_model_stops_start_up(tmp_path) -> None:
    (tmp_path / "notes.gguf").write_text("not weights")
    with pytest.raises(ConfigError, match="is not a GGUF model file"):
        load_settings(local_model_path=tmp_path / "notes.gguf")
    (tmp_path / "broken.gguf").write_bytes(b"GGUF\x03\x00\x00\x00" + b"\x00" * 64)
    from multiplex.api.app import create_app

    with pytest.raises(ConfigError, match="cannot be loaded"):
        create_app(load_settings(model="local/smollm2", local_model_path=tmp_path / "broken.gguf"))


def test_serve_on_a_port_in_use_is_one_line(tmp_path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for args, env in (
            (["--port", str(port)], {}),
            (["--port", "0"], {"MULTIPLEX_METRICS_PORT": str(port)}),
        ):
            done = subprocess.run(
                [sys.executable, "-m", "multiplex.cli", "serve", *args],
                env={**os.environ, "MULTIPLEX_MODEL": "fake/test", **env},
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
            assert f"127.0.0.1:{port}" in done.stderr and "Address already in use" in done.stderr


def test_the_tests_own_settings_survive_the_test_environment() -> None:
    """The suite clears MULTIPLEX_* before it starts, but not its own MULTIPLEX_TEST_* (the
    Chromium the browser tests use, as the README says)."""
    code = "import tests.conftest; from tests.e2e.browser import CHROMIUM; print(CHROMIUM)"
    env = {**os.environ, "MULTIPLEX_TEST_CHROMIUM": "/opt/elsewhere/chromium"}
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root, check=True)
    assert done.stdout.strip() == "/opt/elsewhere/chromium"
