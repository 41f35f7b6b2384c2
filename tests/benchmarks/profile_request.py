"""Where one API request's time goes: a cProfile of `multiplex-baseline` (or another model)
requests served in-process on the fake provider, the self time of every function summed by the
package it belongs to.

    python tests/benchmarks/profile_request.py [--requests 300] [--model multiplex-baseline] [--stream]

The requests go through the whole ASGI app (httpx's ASGI transport: no sockets, so the figures
leave out uvicorn's HTTP parsing). Profiling slows Python code down, so read the shares, not the
milliseconds; the unprofiled time per request is printed first.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
from collections import defaultdict

import httpx

from multiplex.api.app import create_app
from multiplex.settings import load_settings

# The first match wins: more specific places before the packages that hold them.
BUCKETS = [
    ("multiplex scoring (VADER included)", ("multiplex/scoring", "vaderSentiment")),
    ("multiplex graph", ("multiplex/graph",)),
    ("multiplex llm layer", ("multiplex/llm",)),
    ("multiplex api", ("multiplex/api",)),
    ("multiplex, other", ("multiplex/",)),
    ("litellm", ("litellm",)),
    ("langgraph / langchain-core", ("langgraph", "langchain_core")),
    ("fastapi / starlette", ("fastapi", "starlette")),
    ("pydantic", ("pydantic",)),
    ("httpx (the test client)", ("httpx", "httpcore")),
    ("json", ("json/", "orjson")),
    ("asyncio", ("asyncio",)),
]


OTHER = "built-ins and standard library (called from the standard library)"


def bucket(filename: str) -> str:
    for name, parts in BUCKETS:
        if any(part in filename for part in parts):
            return name
    return OTHER


async def send(app: object, body: dict[str, object], count: int) -> int:
    """Sends `count` requests; returns the SSE frames of the last (0 when not streamed)."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    frames = 0
    async with httpx.AsyncClient(transport=transport, base_url="http://profile") as client:
        for _ in range(count):
            response = await client.post("/v1/chat/completions", json=body)
            response.raise_for_status()
            frames = (await response.aread()).count(b"data: ")
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--model", default="multiplex-baseline")
    parser.add_argument("--stream", action="store_true")
    args = parser.parse_args()
    app = create_app(load_settings(model="fake/profile", log_level="warning"))
    body = {"model": args.model, "messages": [{"role": "user", "content": "What is a good life?"}]}
    if args.stream:
        body["stream"] = True
    asyncio.run(send(app, body, 30))  # warm up: imports, first allocations
    started = time.perf_counter()
    frames = asyncio.run(send(app, body, args.requests))
    unprofiled = (time.perf_counter() - started) / args.requests * 1000
    profile = cProfile.Profile()
    profile.enable()
    asyncio.run(send(app, body, args.requests))
    profile.disable()
    totals: dict[str, float] = defaultdict(float)
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    for (filename, _line, _name), (_calls, _primitive, self_time, _cumulative, callers) in stats.items():
        if bucket(filename) != OTHER or not callers:
            totals[bucket(filename)] += self_time
            continue
        # A built-in or standard-library function: its time goes to whoever called it, per caller.
        for (caller_file, _, _), caller_stats in callers.items():
            totals[bucket(caller_file)] += caller_stats[2]
    whole = sum(totals.values())
    mode = f"streamed in {frames} SSE frames" if args.stream else "non-streaming"
    print(f"{args.model}, {mode}, fake provider: {unprofiled:.2f} ms per request unprofiled ({args.requests} requests)")
    print("| where | share of the profiled time | ms per request (profiled) |\n|---|---|---|")
    for name, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"| {name} | {seconds / whole:.0%} | {seconds / args.requests * 1000:.2f} |")


if __name__ == "__main__":
    main()
