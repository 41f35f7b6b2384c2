"""Engine benchmark on the fake provider.

    python tests/benchmarks/bench_engine.py [--runs N]

1. Parallelism: a mas run over 7 perspectives with 200 ms per call should take about
   2 x 200 ms (fan-out, then synthesis), not 8 x 200 ms. Prints the median and its ratio to 400 ms.
2. Overhead: the same run at 0 ms per call; what is left is what the engine (LangGraph + litellm +
   multiplex) costs. Prints the median per run and per agent call (8 calls per run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

os.environ["MULTIPLEX_MODEL"] = "fake/bench"


async def timed_runs(latency_ms: int, runs: int, stream: bool = False) -> list[float]:
    from multiplex.graph import Engine, RunRequest
    from multiplex.settings import load_settings

    engine = Engine.from_settings(load_settings(fake_latency_ms=latency_ms))
    request = RunRequest.ask("What makes a good teacher?", mode="mas", stream=stream, score=False)
    for _ in range(3):  # warm-up: first calls import and build caches
        await engine.run(request)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await engine.run(request)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200, help="runs at 0 ms latency")
    args = parser.parse_args()

    slow = asyncio.run(timed_runs(200, 7))
    median = statistics.median(slow)
    print(
        f"mas, 7 perspectives, 200 ms per call: median {median * 1000:.0f} ms over {len(slow)} runs; "
        f"ideal 400 ms (ratio {median / 0.4:.2f}); serial would be 1600 ms"
    )

    for stream in (False, True):
        fast = asyncio.run(timed_runs(0, args.runs, stream))
        per_run = statistics.median(fast) * 1000
        label = "streaming" if stream else "non-streaming"
        print(
            f"engine overhead ({label}), 0 ms per call: median {per_run:.1f} ms per mas run, "
            f"{per_run / 8:.2f} ms per agent call ({len(fast)} runs)"
        )


if __name__ == "__main__":
    main()
