"""multiplex's API beside LiteLLM's proxy, both answering at once (multiplex on `fake/`, LiteLLM on
a `mock_response` model), driven by the same load generator (wrk) in the same run; and the first
SSE byte of a streamed answer.

    apt-get install -y wrk
    python -m venv ~/.cache/multiplex-bench/litellm-proxy
    ~/.cache/multiplex-bench/litellm-proxy/bin/pip install 'litellm[proxy]'   # the peer, in its own venv
    python tests/benchmarks/api_vs_litellm.py [--rounds 3] [--seconds 15]

Each round measures both servers, one after the other: p50 latency with one connection, and
requests per second with eight. Prints the medians over the rounds and their ratios.
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def first_byte_ms(port: int, runs: int = 200) -> float:
    """Median time from sending a streamed request to its first SSE byte, over a kept-alive socket."""
    body = BODY[:-1] + ', "stream": true}'
    request = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {KEY}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    ).encode()
    times = []
    for _ in range(runs):
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            started = time.perf_counter()
            s.sendall(request)
            received = b""
            while b"data:" not in received:
                chunk = s.recv(65536)
                if not chunk:
                    break
                received += chunk
            times.append((time.perf_counter() - started) * 1000)
            while chunk and b"[DONE]" not in received:  # drain, so the server finishes cleanly
                chunk = s.recv(65536)
                received += chunk
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
        {**env, "MULTIPLEX_MODEL": "fake/bench", "MULTIPLEX_LOG_LEVEL": "warning", "MULTIPLEX_API_KEYS": KEY},
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
        ttfb = first_byte_ms(ours)
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
    print(f"first SSE byte of a streamed baseline answer (fake provider): median {ttfb:.1f} ms over 190 requests")


if __name__ == "__main__":
    main()
