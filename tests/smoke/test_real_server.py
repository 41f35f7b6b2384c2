"""multiplex behind a real OpenAI-compatible server that nobody here wrote: llama-cpp-python's own
`python -m llama_cpp.server` running the same SmolLM2 GGUF, reached as `openai/...` (so `auto` picks
the `llm` synthesis). A weak model writes the answer; the two promises must hold anyway: no
quotation reaches the user unless a source holds it, and no answered voice is missing."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from multiplex.graph.synthesize import RESTORE_BELOW
from multiplex.llm.local import default_model_path
from tests.conftest import IDS, NAMES, free_port, named

pytestmark = [pytest.mark.smoke, pytest.mark.timeout(900)]
QUESTIONS = ["What do we owe our parents?", "Is it ever right to lie to protect someone?"]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"  # llama.cpp logs a lot: a pipe would fill and stall it
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(default_model_path()), "--host", "127.0.0.1"]
        + ["--port", str(port), "--n_ctx", "8192"]
        # By default the server cuts a stream short when the next request arrives: seven agents
        # streaming at once would cut each other off (and multiplex would rightly report six failed).
        + ["--interrupt_requests", "False"],
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama_cpp.server did not start: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/models", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("llama_cpp.server did not answer within 60 s")
    yield base
    process.terminate()
    process.wait(timeout=10)


def answers(server, stream: bool) -> Iterator[tuple[str, dict]]:
    for question in QUESTIONS:
        body = {"model": "multiplex-mas", "messages": [{"role": "user", "content": question}]}
        if not stream:
            data = httpx.post(f"{server.api}/chat/completions", json=body, timeout=600).json()
            yield data["choices"][0]["message"]["content"], data["multiplex"]
            continue
        with httpx.stream("POST", f"{server.api}/chat/completions", json={**body, "stream": True}, timeout=600) as r:
            frames = [json.loads(f[6:]) for f in "".join(r.iter_text()).split("\n\n") if f.startswith("data: {")]
        text = "".join(c["delta"].get("content") or "" for f in frames for c in f.get("choices", []))
        record = next((f["multiplex"] for f in frames if f.get("multiplex", {}).get("mode")), None)
        assert record is not None, frames[-3:]  # an error frame instead of the run's record says why
        yield text, record


@pytest.mark.parametrize("stream", [False, True])
def test_a_weak_model_behind_a_real_server_keeps_both_promises(serve, monkeypatch, llama_server, stream) -> None:
    monkeypatch.setenv("OPENAI_API_BASE", llama_server)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-no-key-needed")
    server = serve(model="openai/smollm2", timeout_s=300, max_tokens=96)  # each agent call's budget
    names = dict(zip(IDS, NAMES, strict=True))
    for text, record in answers(server, stream):
        assert record["synthesis"]["strategy"] == "llm"
        grounding = record["scores"]["grounding"]  # the scorer's own check of the text the user read
        assert grounding["unverified"] == [], grounding["unverified"]
        retention = record["scores"]["synthesis"]["retention"]
        for pid in (p["id"] for p in record["perspectives"] if p["status"] == "ok"):
            assert retention[pid] >= RESTORE_BELOW or names[pid] in named(text), (pid, retention, text)
        assert set(record["synthesis"]["restored"]) <= {p["id"] for p in record["perspectives"]}
