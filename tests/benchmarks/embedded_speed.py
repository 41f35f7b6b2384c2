"""The embedded model: through the API against raw llama-cpp-python, and mas against baseline.

    python tests/benchmarks/embedded_speed.py [--runs 5]

1. Tokens per second of one answer, same prompt and sampling (temperature 0.3, top-k 40, top-p
   0.95, min-p 0.05, repeat penalty 1.1, 256 tokens, all cores): raw `Llama.create_chat_completion`
   in this process, then `multiplex-baseline` through `multiplex serve` (HTTP, non-streaming),
   each timed from request to answer; medians, and their ratio.
2. Wall time of a mas answer against a baseline answer of the same max tokens (160, 200, 512),
   through the engine; medians of the runs after a warm-up (the personas' prompt cache warm).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "What makes a good teacher?"
MESSAGES = [{"role": "user", "content": QUESTION}]
TOKENS = 256


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raw(runs: int) -> list[float]:
    from llama_cpp import Llama

    from multiplex.llm.local import default_model_path

    threads = os.cpu_count() or 1
    model = Llama(
        model_path=str(default_model_path()), n_ctx=8192, n_threads=threads, n_threads_batch=threads, verbose=False
    )
    rates = []
    for i in range(runs + 1):
        started = time.perf_counter()
        out = model.create_chat_completion(
            messages=MESSAGES,  # type: ignore[arg-type]
            max_tokens=TOKENS,
            temperature=0.3,
            top_k=40,
            top_p=0.95,
            min_p=0.05,
            repeat_penalty=1.1,
            seed=i,
        )
        if i:  # the first is a warm-up
            rates.append(out["usage"]["completion_tokens"] / (time.perf_counter() - started))
    model.close()
    return rates


def through_api(runs: int) -> list[float]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MULTIPLEX_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "multiplex.cli", "serve", "--port", str(port)],
        env={**env, "MULTIPLEX_LOG_LEVEL": "warning"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rates = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        for i in range(runs + 1):
            body = {"model": "multiplex-baseline", "messages": MESSAGES, "max_tokens": TOKENS, "seed": i}
            body["multiplex"] = {"score": False}
            started = time.perf_counter()
            answer = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=body, timeout=120).json()
            if i:
                rates.append(answer["usage"]["completion_tokens"] / (time.perf_counter() - started))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rates


async def mas_against_baseline(runs: int, max_tokens: int) -> tuple[float, float]:
    from multiplex.graph import Engine, RunRequest
    from multiplex.llm import GenerationParams
    from multiplex.settings import load_settings

    engine = Engine.from_settings(load_settings(model="local/smollm2"))
    questions = [
        "What do we owe to our parents?",
        "Is it ever right to break a promise?",
        "How should we treat strangers?",
    ]
    timings: dict[str, list[float]] = {"baseline": [], "mas": []}
    for mode in ("baseline", "mas"):
        warm = RunRequest.ask("What is a good life?", mode=mode, params=GenerationParams(max_tokens=max_tokens))
        await engine.run(warm)
        for i in range(runs):
            params = GenerationParams(max_tokens=max_tokens, seed=i)
            request = RunRequest.ask(questions[i % len(questions)], mode=mode, params=params, score=False)
            started = time.perf_counter()
            await engine.run(request)
            timings[mode].append(time.perf_counter() - started)
    return statistics.median(timings["baseline"]), statistics.median(timings["mas"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    api = through_api(args.runs)
    direct = raw(args.runs)
    print(
        f"tokens/s, {TOKENS}-token answers: raw llama-cpp-python median {statistics.median(direct):.1f} "
        f"({', '.join(f'{r:.0f}' for r in direct)}); through the API median {statistics.median(api):.1f} "
        f"({', '.join(f'{r:.0f}' for r in api)}); ratio {statistics.median(api) / statistics.median(direct):.2f}"
    )
    for max_tokens in (160, 200, 512):
        baseline, mas = asyncio.run(mas_against_baseline(3, max_tokens))
        print(
            f"max tokens {max_tokens}: baseline median {baseline:.2f} s, mas median {mas:.2f} s, "
            f"ratio {mas / baseline:.1f}x"
        )


if __name__ == "__main__":
    main()
