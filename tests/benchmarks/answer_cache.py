"""A class opening one lesson link: thirty identical mas requests at once against `multiplex serve`
on a loopback upstream (latency 500 ms + up to 500 ms jitter, planner on as for any remote model),
without the answer cache (MULTIPLEX_CACHE_TTL_S=0) and with it (the default). Upstream calls and
wall time: the slowest request, and the median one.

    python tests/benchmarks/answer_cache.py [--requests 30]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import statistics
import time

import httpx

from tests.benchmarks.processes import on_upstream

BODY = {"model": "multiplex-mas", "messages": [{"role": "user", "content": "What do we owe our parents?"}]}


def one(base: str) -> tuple[float, bool]:
    started = time.perf_counter()
    reply = httpx.post(f"{base}/v1/chat/completions", json=BODY, timeout=300)
    reply.raise_for_status()
    return time.perf_counter() - started, bool(reply.json()["multiplex"]["cached"])


def run(requests: int, ttl: str) -> str:
    settings = {"MULTIPLEX_CACHE_TTL_S": ttl, "MULTIPLEX_MAX_CONCURRENT_RUNS": str(requests)}
    with on_upstream(["--latency-ms", "500", "--jitter-ms", "500"], settings) as (upstream, base, _pid):
        with concurrent.futures.ThreadPoolExecutor(requests) as pool:
            started = time.perf_counter()
            results = list(pool.map(lambda _: one(base), range(requests)))
            wall = time.perf_counter() - started
        calls = httpx.get(f"{upstream}/health").json()["calls"]
    times = [t for t, _ in results]
    cached = sum(c for _, c in results)
    name = "off" if ttl == "0" else f"on ({ttl} s)"
    return f"| {name} | {calls} | {cached} of {requests} | {wall:.2f} s | {statistics.median(times):.2f} s |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    print(f"{args.requests} identical mas requests at once")
    print("| answer cache | upstream calls | answered from the cache | all answered after | median request |")
    print("|---|---|---|---|---|")
    for ttl in ("0", "3600"):
        print(run(args.requests, ttl))


if __name__ == "__main__":
    main()
