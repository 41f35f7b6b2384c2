"""multiplex's API beside LiteLLM's proxy, both answering at once (multiplex on `fake/`, LiteLLM on
a `mock_response` model), driven by the same load generator (wrk) in the same run; and the first
SSE byte of a streamed answer.

    apt-get install -y wrk
    python -m venv ~/.cache/multiplex-bench/litellm-proxy
    ~/.cache/multiplex-bench/litellm-proxy/bin/pip install 'litellm[proxy]'   # the peer, in its own venv
    python tests/benchmarks/api_vs_litellm.py [--rounds 3] [--seconds 15]

Each round measures both servers, one after the other: p50 latency with one connection, and
requests per second with eight (wrk keeps its connections open). Then what a user's SDK sees: the
openai SDK's p50 for a baseline answer over its one pooled connection, and the first SSE byte of a
streamed answer over a kept connection. Prints the medians and their ratios.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import openai

from tests.benchmarks.processes import clean_env, free_port, start, stop, wait

PEER_VENV = Path.home() / ".cache" / "multiplex-bench" / "litellm-proxy"
KEY = "sk-bench-0123456789abcdef0123456789abcdef"  # both servers check the same bearer key
BODY = '{"model": "multiplex-baseline", "messages": [{"role": "user", "content": "What is a good life?"}]}'
PEER_CONFIG = """model_list:
  - model_name: multiplex-baseline
    litellm_params:
      model: openai/mock
      mock_response: "A baseline answer to 'What is a good life?'. It weighs the question with care."
"""


def wrk(url: str, connections: int, seconds: float, script: Path) -> tuple[float, float]:
    """(p50 latency in ms, requests per second)"""
    done = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    )
    out = done.stdout
    if "Non-2xx" in out:
        raise SystemExit(f"{url} answered errors:\n{out}")
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert p50 and rps, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50.group(2)]
    return float(p50.group(1)) * scale, float(rps.group(1))


def sdk_p50_ms(port: int, runs: int = 200) -> float:
    """Median latency of a baseline answer through the openai SDK, which keeps its connection (as
    httpx, LangChain, Open WebUI and browsers do): every request after the first reuses it."""
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, max_retries=0)
    question = [{"role": "user", "content": "What is a good life?"}]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.chat.completions.create(model="multiplex-baseline", messages=question)  # type: ignore[arg-type]
        times.append((time.perf_counter() - started) * 1000)
    client.close()
    return statistics.median(times[10:])


def first_byte_ms(port: int, runs: int = 200) -> float:
    """Median time from sending a streamed request to its first SSE frame, over one kept connection."""
    body = {**json.loads(BODY), "stream": True}
    times = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {KEY}"}) as client:
        for _ in range(runs):
            started = time.perf_counter()
            with client.stream("POST", "/v1/chat/completions", json=body) as reply:
                lines = reply.iter_lines()
                while not next(lines).startswith("data:"):
                    pass
                times.append((time.perf_counter() - started) * 1000)
                for _ in lines:  # drain, so the connection is reused
                    pass
    return statistics.median(times[10:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    peer = PEER_VENV / "bin" / "litellm"
    if not peer.exists():
        raise SystemExit(f"install the peer first: see {__file__}")
    work = Path(tempfile.mkdtemp())
    (work / "peer.yaml").write_text(PEER_CONFIG)
    script = work / "post.lua"
    script.write_text(
        f"wrk.method = 'POST'\nwrk.body = '{BODY}'\nwrk.headers['Content-Type'] = 'application/json'\n"
        f"wrk.headers['Authorization'] = 'Bearer {KEY}'\n"
    )
    env = {**clean_env(), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    ours, theirs = free_port(), free_port()
    mx = start(
        [sys.executable, "-m", "multiplex.cli", "serve", "--port", str(ours)],
        # every request answered, none replayed: the same question again would be an answer-cache hit
        {**env, "MULTIPLEX_MODEL": "fake/bench", "MULTIPLEX_LOG_LEVEL": "warning", "MULTIPLEX_API_KEYS": KEY}
        | {"MULTIPLEX_CACHE_TTL_S": "0"},
    )
    lite = start(
        [str(peer), "--config", str(work / "peer.yaml"), "--port", str(theirs), "--num_workers", "1"],
        {**env, "LITELLM_MASTER_KEY": KEY},
    )
    servers = {"multiplex": ours, "LiteLLM proxy": theirs}
    try:
        for port in servers.values():
            wait(
                f"http://127.0.0.1:{port}/health/liveliness"
                if port == theirs
                else f"http://127.0.0.1:{port}/health/live"
            )
            wrk(f"http://127.0.0.1:{port}/v1/chat/completions", 8, 3, script)  # warm up
        results: dict[str, dict[str, list[float]]] = {name: {"p50": [], "rps": []} for name in servers}
        for _ in range(args.rounds):
            for name, port in servers.items():
                url = f"http://127.0.0.1:{port}/v1/chat/completions"
                results[name]["p50"].append(wrk(url, 1, args.seconds, script)[0])
                results[name]["rps"].append(wrk(url, 8, args.seconds, script)[1])
        sdk = {name: sdk_p50_ms(port) for name, port in servers.items()}
        ttfb = {name: first_byte_ms(port) for name, port in servers.items()}
    finally:
        stop(mx, lite)
    medians = {name: {k: statistics.median(v) for k, v in r.items()} for name, r in results.items()}
    rounds = f"{args.rounds} rounds of {args.seconds:g} s"
    print(f"| server | p50 at concurrency 1 | requests/s at concurrency 8 | ({rounds}) |")
    print("|---|---|---|---|")
    for name, m in medians.items():
        runs = ", ".join(f"{v:.0f}" for v in results[name]["rps"])
        print(f"| {name} | {m['p50']:.2f} ms | {m['rps']:.0f} | rounds: {runs} req/s |")
    ratio = medians["multiplex"]["rps"] / medians["LiteLLM proxy"]["rps"]
    print(f"\nthroughput ratio multiplex / LiteLLM proxy at concurrency 8: {ratio:.2f}x")
    print("\nover one kept connection, as a user's SDK connects (medians over 190 requests):")
    for name in servers:
        print(f"  {name}: openai SDK baseline answer {sdk[name]:.2f} ms, first SSE frame {ttfb[name]:.2f} ms")


if __name__ == "__main__":
    main()
