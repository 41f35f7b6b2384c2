"""What one multiplex replica sustains, on loopback only: the numbers behind deploy/README.md.

    python tests/benchmarks/replica_throughput.py [--latency-ms 1000] [--clients 8,32,128] [--seconds 30]

Starts the loopback upstream (every call answered after a fixed latency, 40 words, no faults) and
one `multiplex serve` process against it through litellm's `openai/` provider, then drives
non-streaming mas requests from N closed-loop clients for T seconds at each N. For each N it
reports mas runs per second, their median latency, upstream calls per second, the upstream calls
in flight (calls/s x latency, Little's law: what the upstream pool must serve at once), and the
CPU seconds the multiplex process spent per run, from /proc: the figure that sets how many runs
a replica's cores can carry whatever the upstream's latency.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from pathlib import Path

import httpx

from tests.benchmarks.processes import on_upstream

QUESTION = [{"role": "user", "content": "What do we owe to our parents?"}]
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


async def drive(api: str, clients: int, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = 0
    deadline = time.monotonic() + seconds
    body = {"model": "multiplex-mas", "messages": QUESTION, "max_tokens": 64}
    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:

        async def loop() -> None:
            nonlocal failures
            while time.monotonic() < deadline:
                started = time.perf_counter()
                response = await client.post(f"{api}/chat/completions", json=body)
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - started)
                else:
                    failures += 1

        await asyncio.gather(*(loop() for _ in range(clients)))
    return latencies, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=1000, help="the upstream's time per call")
    parser.add_argument("--clients", default="8,32,128", help="comma list of concurrent clients")
    parser.add_argument("--seconds", type=float, default=30, help="per concurrency level")
    args = parser.parse_args()
    levels = [int(n) for n in args.clients.split(",")]
    upstream_args = ["--latency-ms", str(args.latency_ms), "--text-words", "40"]
    limits = {"MULTIPLEX_MAX_CONCURRENT_RUNS": str(max(levels)), "MULTIPLEX_MAX_QUEUED_RUNS": str(max(levels))}
    rows = []
    with on_upstream(upstream_args, limits) as (upstream, base, pid):
        api = f"{base}/v1"
        asyncio.run(drive(api, 4, 3))  # warm up: imports, connection pools, first allocations
        for clients in levels:
            calls0 = httpx.get(f"{upstream}/health").json()["calls"]
            cpu0, started = cpu_seconds(pid), time.monotonic()
            latencies, failures = asyncio.run(drive(api, clients, args.seconds))
            elapsed, cpu = time.monotonic() - started, cpu_seconds(pid) - cpu0
            calls = httpx.get(f"{upstream}/health").json()["calls"] - calls0
            runs = len(latencies)
            rows.append(
                f"| {clients} | {runs / elapsed:.1f} | {statistics.median(latencies):.2f} s | {failures} "
                f"| {calls / elapsed:.0f} | {calls / elapsed * args.latency_ms / 1000:.0f} "
                f"| {cpu / max(runs, 1) * 1000:.1f} ms | {cpu / elapsed:.2f} |"
            )
    cores = os.cpu_count()
    print(f"one replica (one process), upstream latency {args.latency_ms:.0f} ms per call, {cores} cores shared")
    print("| clients | mas runs/s | median latency | failed | upstream calls/s | upstream calls in flight "
          "| CPU per run | cores busy |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
