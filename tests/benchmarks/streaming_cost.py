"""What streaming costs the server: the CPU time `multiplex serve` spends on mas runs streamed and
not, against the loopback upstream in a process of its own (each draft `--words` words, sentences
of 12 words, answered as fast as it can), `--at-once` runs at a time; how long /health/live
takes while `--streams` streamed runs are going; and what one streamed chunk costs to read, through
litellm's stream wrapper, the openai SDK's stream, and `multiplex.llm.stream` (one call of
`--words` x 8 words, in this process).

    python tests/benchmarks/streaming_cost.py [--runs 8] [--at-once 4] [--words 384] [--streams 8]
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import os
import statistics
import time

import httpx
import psutil

from tests.benchmarks.processes import on_upstream

QUESTION = [{"role": "user", "content": "What do we owe our parents?"}]


def ask(base: str, stream: bool) -> None:
    body = {"model": "multiplex-mas", "messages": QUESTION, "stream": stream, "multiplex": {"cache": False}}
    if not stream:
        httpx.post(f"{base}/v1/chat/completions", json=body, timeout=300).raise_for_status()
        return
    with httpx.stream("POST", f"{base}/v1/chat/completions", json=body, timeout=300) as reply:
        for _ in reply.iter_lines():
            pass


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def cost(base: str, pid: int, stream: bool, runs: int, at_once: int) -> float:
    """CPU seconds of the server per run."""
    ask(base, stream)  # warm
    before = cpu_seconds(pid)
    with concurrent.futures.ThreadPoolExecutor(at_once) as pool:
        list(pool.map(lambda _: ask(base, stream), range(runs)))
    return (cpu_seconds(pid) - before) / runs


def liveness_under(base: str, streams: int) -> list[float]:
    """/health/live latencies, in seconds, while `streams` streamed runs are going."""
    seen: list[float] = []
    with concurrent.futures.ThreadPoolExecutor(streams) as pool:
        running = [pool.submit(ask, base, True) for _ in range(streams)]
        with httpx.Client() as client:
            while not all(f.done() for f in running):
                started = time.perf_counter()
                client.get(f"{base}/health/live", timeout=30)
                seen.append(time.perf_counter() - started)
                time.sleep(0.05)
    return seen


def per_chunk(upstream: str) -> dict[str, float]:
    """CPU milliseconds per chunk of one streamed call, read three ways (the best of three each)."""
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    import litellm

    from multiplex.llm.stream import pieces

    call = {"model": "openai/loopback", "api_base": f"{upstream}/v1", "api_key": "sk-loopback"}
    call["messages"] = [{"role": "user", "content": "Say many words."}]
    ways = {
        "litellm's wrapper": lambda s: s,
        "the openai SDK's stream": lambda s: s.completion_stream,
        "multiplex.llm.stream": pieces,
    }

    async def read(way: str) -> float:
        stream = await litellm.acompletion(**call, stream=True, stream_options={"include_usage": True})
        started, chunks = time.process_time(), 0
        async for _ in ways[way](stream):
            chunks += 1
        return (time.process_time() - started) * 1000 / chunks

    async def measure() -> dict[str, float]:
        await litellm.acompletion(**call)  # warm
        return {way: min([await read(way) for _ in range(3)]) for way in ways}

    return asyncio.run(measure())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--at-once", type=int, default=4)
    parser.add_argument("--words", type=int, default=384)
    parser.add_argument("--streams", type=int, default=8)
    args = parser.parse_args()
    upstream = ["--text-words", str(args.words), "--sentence-words", "12"]
    settings = {"MULTIPLEX_CACHE_TTL_S": "0", "MULTIPLEX_PLANNER": "off", "MULTIPLEX_MAX_CONCURRENT_RUNS": "16"}
    with on_upstream(upstream, settings) as (_, base, pid):
        plain = cost(base, pid, False, args.runs, args.at_once)
        streamed = cost(base, pid, True, args.runs, args.at_once)
        live = liveness_under(base, args.streams)
    long_drafts = ["--text-words", str(args.words * 8), "--sentence-words", "12"]
    with on_upstream(long_drafts, settings) as (upstream_base, _, _):
        chunk = per_chunk(upstream_base)
    print(f"server CPU per mas run, {args.words}-word drafts, {args.at_once} at once, {args.runs} runs each:")
    print(f"  not streamed {plain:.2f} s, streamed {streamed:.2f} s ({streamed / plain:.1f}x)")
    print(
        f"/health/live with {args.streams} streams going: median {statistics.median(live) * 1000:.0f} ms, "
        f"max {max(live) * 1000:.0f} ms ({len(live)} probes)"
    )
    print(f"CPU per chunk of one {args.words * 8}-word stream, read by:")
    for way, ms in chunk.items():
        print(f"  {way}: {ms:.3f} ms")


if __name__ == "__main__":
    main()
