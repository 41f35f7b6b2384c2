"""What the benchmark scripts share: free loopback ports, waiting for a server, and
`multiplex serve` (optionally behind the loopback upstream) in processes of their own."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def clean_env() -> dict[str, str]:
    """This environment without any MULTIPLEX_* setting: the defaults, unless a script sets one."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MULTIPLEX_")}


def start(args: list[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, cwd=ROOT, env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


@contextmanager
def multiplex_serve(settings: Mapping[str, str]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`multiplex serve` on a free port with these MULTIPLEX_* (and provider) settings: its base URL."""
    port = free_port()
    server = start([sys.executable, "-m", "multiplex.cli", "serve", "--port", str(port)], {**clean_env(), **settings})
    base = f"http://127.0.0.1:{port}"
    try:
        wait(f"{base}/health/live")
        yield base, server
    finally:
        stop(server)


@contextmanager
def on_upstream(upstream_args: list[str], settings: Mapping[str, str]) -> Iterator[tuple[str, str, int]]:
    """The loopback upstream (`python -m tests.upstream` with these arguments) and `multiplex serve`
    reaching it through litellm's `openai/` provider: (upstream base URL, multiplex base URL, its pid)."""
    port = free_port()
    upstream = start([sys.executable, "-m", "tests.upstream", "--port", str(port), *upstream_args], clean_env())
    upstream_base = f"http://127.0.0.1:{port}"
    provider = {
        "MULTIPLEX_MODEL": "openai/loopback",
        "OPENAI_API_BASE": f"{upstream_base}/v1",
        "OPENAI_API_KEY": "sk-loopback",
        "MULTIPLEX_LOG_LEVEL": "warning",
    }
    try:
        wait(f"{upstream_base}/health")
        with multiplex_serve({**provider, **settings}) as (base, server):
            yield upstream_base, base, server.pid
    finally:
        stop(upstream)
