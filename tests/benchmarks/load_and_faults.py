"""The proof under load and faults, on loopback only.

    python tests/benchmarks/load_and_faults.py [--clients 64] [--seconds 60]

Starts the loopback upstream in a process of its own (5% of calls answered 500/502/503, 2% 429
with Retry-After, 50 ms +- jitter of latency), `multiplex serve` against it through litellm's
`openai/` provider in another, and drives it with N concurrent clients for T seconds: mas and
baseline, streaming and not, with 20% of the streaming requests abandoned mid-stream. It
reports requests, statuses by code, p50/p99 latency of finished requests, and checks that no
response was an unintended 5xx (a 500 internal error), that runs in flight return to 0, that
no task leaked, and that open file descriptors and memory end where they started.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from collections import Counter
from pathlib import Path

import httpx

from tests.benchmarks.processes import on_upstream


def resources(pid: int) -> tuple[int, int]:
    """Open file descriptors and resident memory (KiB) of a process."""
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
    return fds, rss


class Tally:
    def __init__(self) -> None:
        self.statuses: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.unintended: list[str] = []


QUESTION = [{"role": "user", "content": "What do we owe to our parents?"}]


async def one_request(client: httpx.AsyncClient, api: str, rng: random.Random, tally: Tally) -> None:
    model = rng.choice(["multiplex-mas", "multiplex-baseline"])
    stream = rng.random() < 0.5
    abandon = stream and rng.random() < 0.2
    body = {"model": model, "messages": QUESTION, "stream": stream, "max_tokens": 64}
    started = time.perf_counter()
    if not stream:
        response = await client.post(f"{api}/chat/completions", json=body)
        record(tally, response.status_code, response.text, time.perf_counter() - started)
        return
    async with client.stream("POST", f"{api}/chat/completions", json=body) as response:
        if response.status_code != 200:
            record(tally, response.status_code, (await response.aread()).decode(), time.perf_counter() - started)
            return
        frames = 0
        text = ""
        async for line in response.aiter_lines():
            frames += line.startswith("data: ")
            text = line
            if abandon and frames >= 3:
                tally.statuses["disconnected mid-stream"] += 1
                return  # leaving the block closes the connection
        status = "200 error frame" if '"error"' in text and "[DONE]" not in text else 200
        record(tally, status, text, time.perf_counter() - started)


def record(tally: Tally, status: int | str, text: str, seconds: float) -> None:
    code = ""
    if isinstance(status, int) and status >= 400:
        try:
            code = httpx.Response(200, content=text).json()["error"]["code"] or ""
        except Exception:
            code = "no envelope"
        if status == 500 or code in ("internal_error", "no envelope"):
            tally.unintended.append(f"{status} {text[:200]}")
    tally.statuses[f"{status} {code}".strip()] += 1
    if status == 200:
        tally.latencies.append(seconds)


async def drive(api: str, clients: int, seconds: float) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def loop(i: int) -> None:
            rng = random.Random(i)
            while time.monotonic() < deadline:
                try:
                    await one_request(client, api, rng, tally)
                except httpx.HTTPError as exc:
                    tally.statuses[f"client error {type(exc).__name__}"] += 1

        await asyncio.gather(*(loop(i) for i in range(clients)))
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    upstream_args = ["--latency-ms", "50", "--jitter-ms", "100", "--server-errors", "0.05", "--rate-limited", "0.02",
                     "--text-words", "40"]  # fmt: skip
    settings = {"MULTIPLEX_MAX_CONCURRENT_RUNS": "64", "MULTIPLEX_MAX_QUEUED_RUNS": "64", "MULTIPLEX_RETRIES": "2"}
    with on_upstream(upstream_args, settings) as (upstream, base, pid):
        api = f"{base}/v1"
        asyncio.run(drive(api, 4, 3))  # warm up: imports, connection pools, first allocations
        time.sleep(2)
        fds0, rss0 = resources(pid)
        tasks0 = httpx.get(f"{base}/health/ready").json()["tasks"]
        started = time.monotonic()
        tally = asyncio.run(drive(api, args.clients, args.seconds))
        elapsed = time.monotonic() - started
        time.sleep(3)  # let cancelled runs unwind
        ready = httpx.get(f"{base}/health/ready").json()
        fds1, rss1 = resources(pid)
        upstream_health = httpx.get(f"{upstream}/health").json()

    total = sum(tally.statuses.values())
    latencies = sorted(tally.latencies)
    p50 = statistics.median(latencies) if latencies else float("nan")
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else float("nan")
    print(f"{args.clients} clients for {elapsed:.0f} s: {total} requests ({total / elapsed:.1f}/s), "
          f"{upstream_health['calls']} upstream calls")  # fmt: skip
    print("| status | requests |\n|---|---|")
    for status, count in sorted(tally.statuses.items()):
        print(f"| {status} | {count} |")
    print(f"\nlatency of answered requests: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    print(f"unintended 5xx: {len(tally.unintended)}")
    print(f"runs in flight after: {ready['runs_in_progress']} running, {ready['runs_waiting']} waiting")
    print(f"server tasks: {tasks0} before, {ready['tasks']} after; upstream streams open after: "
          f"{upstream_health['open_streams']}")  # fmt: skip
    print(f"open file descriptors: {fds0} before, {fds1} after; memory: {rss0 / 1024:.0f} MiB before, "
          f"{rss1 / 1024:.0f} MiB after")  # fmt: skip
    failed = (
        tally.unintended
        or ready["runs_in_progress"]
        or ready["runs_waiting"]
        or ready["tasks"] > tasks0 + 2
        or fds1 > fds0 + 8
        or rss1 > rss0 * 1.25 + 20_000
    )
    for line in tally.unintended[:5]:
        print("  unintended:", line)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
