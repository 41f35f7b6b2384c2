"""What straggler grace buys a mas answer when one upstream call in a hundred is slow: the loopback
upstream answers every call after a lognormal delay (median 1 s, p99 8 s), and each mas run
(seven agents, `sections` synthesis, its closing call included) is timed for several values of
MULTIPLEX_STRAGGLER_GRACE_S, against the median single call in the same run. The graces take
turns question by question, each with its own seed for the delays, so the machine's load and the
draws fall on all alike.

    python tests/benchmarks/straggler_grace.py --runs 40
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import statistics
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from multiplex.graph import Engine, RunRequest
from multiplex.settings import load_settings
from tests.upstream import Reply, Upstream

MEDIAN_S, P99_S = 1.0, 8.0
SIGMA = math.log(P99_S / MEDIAN_S) / 2.3263  # the 99th percentile of a standard normal
GRACES: list[float | None] = [None, 15.0, 5.0, 2.0, 1.0, 0.0]


async def main(runs: int) -> None:
    upstream = Upstream().start()
    os.environ["OPENAI_API_BASE"], os.environ["OPENAI_API_KEY"] = upstream.api, "none"
    upstream.record = False
    rng = random.Random(1)
    upstream.default = Reply(
        text="A considered answer.", draw_latency_s=lambda: rng.lognormvariate(math.log(MEDIAN_S), SIGMA)
    )
    engines = {
        grace: Engine.from_settings(
            load_settings(
                model="openai/loopback", planner="off", synthesis="sections", straggler_grace_s=grace, retries=0
            )
        )
        for grace in GRACES
    }
    walls: dict[float | None, list[float]] = {g: [] for g in GRACES}
    late: dict[float | None, int] = dict.fromkeys(GRACES, 0)
    singles: list[float] = []
    for i in range(runs):
        for grace in GRACES[i % len(GRACES) :] + GRACES[: i % len(GRACES)]:
            started = time.perf_counter()
            result = await engines[grace].run(RunRequest.ask(f"Question {i}?", mode="mas", score=False))
            walls[grace].append(time.perf_counter() - started)
            late[grace] += sum(p.failure == "cancelled_late" for p in result.perspectives)
            if grace is None:  # every call ends: an unbiased sample of single calls
                singles.extend(c.latency_ms / 1000 for c in result.calls if c.role == "perspective")
    upstream.stop()
    single = statistics.median(singles)
    print(f"lognormal upstream: median {MEDIAN_S:g} s, p99 {P99_S:g} s; {runs} mas runs per grace")
    print(f"median single call {single:.2f} s")
    print("| straggler grace | mas wall time, median | p90 | median / single call | voices cancelled late |")
    print("|---|---|---|---|---|")
    for grace in GRACES:
        times = sorted(walls[grace])
        p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
        median = statistics.median(times)
        name = "off (wait for all)" if grace is None else f"{grace:g} s"
        share = late[grace] / (7 * runs)
        print(f"| {name} | {median:.2f} s | {p90:.2f} s | {median / single:.2f} | {share:.1%} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    asyncio.run(main(parser.parse_args().runs))
