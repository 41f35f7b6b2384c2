"""The embedded model: through the API against raw llama-cpp-python, and mas against baseline.

    python tests/benchmarks/embedded_speed.py [--runs 5]

1. Tokens per second of one answer, same prompt and sampling (temperature 0.3, top-k 40, top-p
   0.95, min-p 0.05, repeat penalty 1.1, 256 tokens, all cores): raw `Llama.create_chat_completion`
   in this process, and `multiplex-baseline` through `multiplex serve` (HTTP, non-streaming), one
   answer of each in turn, each timed from request to answer; medians, and their ratio.
2. Wall time of a mas answer against a baseline answer of the same max tokens (160, 200, 512),
   through the engine; medians of the runs after a warm-up (the personas' prompt cache warm); and
   where mas spends it: the drafts (decoded together) and what follows them (the closing).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import httpx

from tests.benchmarks.processes import multiplex_serve

QUESTION = "What makes a good teacher?"
MESSAGES = [{"role": "user", "content": QUESTION}]
TOKENS = 256


def token_rates(runs: int) -> tuple[list[float], list[float]]:
    """Tokens per second of raw llama-cpp-python and of the API, one answer of each in turn, so
    that whatever else the machine does weighs on both alike."""
    from llama_cpp import Llama

    from multiplex.llm.local import default_model_path

    threads = os.cpu_count() or 1
    model = Llama(
        model_path=str(default_model_path()), n_ctx=8192, n_threads=threads, n_threads_batch=threads, verbose=False
    )
    raw, api = [], []
    with multiplex_serve({"MULTIPLEX_LOG_LEVEL": "warning"}) as (base, _server):
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
            raw_rate = out["usage"]["completion_tokens"] / (time.perf_counter() - started)  # type: ignore[index]
            body = {"model": "multiplex-baseline", "messages": MESSAGES, "max_tokens": TOKENS, "seed": i}
            body["multiplex"] = {"score": False}
            started = time.perf_counter()
            answer = httpx.post(f"{base}/v1/chat/completions", json=body, timeout=120).json()
            api_rate = answer["usage"]["completion_tokens"] / (time.perf_counter() - started)
            if i:  # the first of each is a warm-up
                raw.append(raw_rate)
                api.append(api_rate)
    model.close()
    return raw, api


async def mas_against_baseline(runs: int, max_tokens: int) -> dict[str, float]:
    from multiplex.graph import Engine, RunRequest
    from multiplex.llm import GenerationParams
    from multiplex.settings import load_settings

    engine = Engine.from_settings(load_settings(model="local/smollm2"))
    questions = [
        "What do we owe to our parents?",
        "Is it ever right to break a promise?",
        "How should we treat strangers?",
    ]
    timings: dict[str, list[float]] = {"baseline": [], "mas": [], "drafts": [], "draft_tokens": [], "after": []}
    for mode in ("baseline", "mas"):
        warm = RunRequest.ask("What is a good life?", mode=mode, params=GenerationParams(max_tokens=max_tokens))
        await engine.run(warm)
        for i in range(runs):
            params = GenerationParams(max_tokens=max_tokens, seed=i)
            request = RunRequest.ask(questions[i % len(questions)], mode=mode, params=params, score=False)
            started = time.perf_counter()
            result = await engine.run(request)
            wall = time.perf_counter() - started
            timings[mode].append(wall)
            if mode == "mas":  # where the time goes: the drafts, decoded together, then the closing
                drafts = max(p.latency_ms for p in result.perspectives) / 1000
                timings["drafts"].append(drafts)
                timings["draft_tokens"].append(sum(p.usage.completion_tokens for p in result.perspectives))
                timings["after"].append(wall - drafts)
    return {name: statistics.median(values) for name, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    direct, api = token_rates(args.runs)
    print(
        f"tokens/s, {TOKENS}-token answers: raw llama-cpp-python median {statistics.median(direct):.1f} "
        f"({', '.join(f'{r:.0f}' for r in direct)}); through the API median {statistics.median(api):.1f} "
        f"({', '.join(f'{r:.0f}' for r in api)}); ratio {statistics.median(api) / statistics.median(direct):.2f}"
    )
    for max_tokens in (160, 200, 512):
        t = asyncio.run(mas_against_baseline(3, max_tokens))
        print(
            f"max tokens {max_tokens}: baseline median {t['baseline']:.2f} s, mas median {t['mas']:.2f} s, "
            f"ratio {t['mas'] / t['baseline']:.1f}x; mas: {t['draft_tokens']:.0f} draft tokens in {t['drafts']:.2f} s "
            f"({t['draft_tokens'] / t['drafts']:.0f} tok/s over the seven), then {t['after']:.2f} s to the end"
        )


if __name__ == "__main__":
    main()
