"""`multiplex serve` as a process, under what real clients and real faults do: a kept connection,
SIGTERM with streams open, clients that send their headers or body slowly, more connections than
the process has files, a control character in a path, a setting that names no key."""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.timeout(180)
MAS = {"model": "multiplex-mas", "messages": [{"role": "user", "content": "What do we owe our parents?"}]}


class Process:
    def __init__(self, process: subprocess.Popen[bytes], base: str, log: Path) -> None:
        self.process = process
        self.base = base
        self.log = log

    @property
    def lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8", errors="replace").splitlines()


@contextmanager
def serving(tmp_path: Path, files: int | None = None, **settings: object) -> Iterator[Process]:
    """`multiplex serve` on the fake model with these settings; its log lines in a file."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MULTIPLEX_")}
    env.update({"MULTIPLEX_MODEL": "fake/test", **{f"MULTIPLEX_{k.upper()}": str(v) for k, v in settings.items()}})
    log = tmp_path / f"serve-{port}.log"

    def limit() -> None:
        if files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))

    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "multiplex.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            preexec_fn=limit,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "multiplex serve did not come up"
            time.sleep(0.1)
        yield Process(process, base, log)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_a_kept_connection_answers_without_waiting_for_a_delayed_ack(tmp_path: Path) -> None:
    """Every client that keeps its connection (the openai SDK, browsers, Open WebUI): each request
    after the first went out only when the client's delayed ACK came, about 40 ms later."""
    with serving(tmp_path) as served, httpx.Client(base_url=served.base) as client:
        body = {"model": "multiplex-baseline", "messages": [{"role": "user", "content": "Q?"}]}
        client.post("/v1/chat/completions", json=body)  # the connection is made
        times = []
        for _ in range(9):
            started = time.perf_counter()
            assert client.post("/v1/chat/completions", json=body).status_code == 200
            times.append(time.perf_counter() - started)
    assert statistics.median(times) < 0.025, times


def test_sigterm_stops_accepting_and_ends_open_streams_with_an_error_and_done(tmp_path: Path) -> None:
    with serving(tmp_path, fake_latency_ms=60_000, drain_s=2, straggler_grace_s="") as served:
        frames: list[str] = []

        def read() -> None:
            with httpx.stream("POST", f"{served.base}/v1/chat/completions", json={**MAS, "stream": True}) as reply:
                frames.extend(line for line in reply.iter_lines() if line.startswith("data: "))

        reader = threading.Thread(target=read)
        reader.start()
        time.sleep(1.0)  # the run is under way, its agents waiting on the model
        signalled = time.monotonic()
        served.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(httpx.TransportError):  # no new connection once shutting down
            httpx.get(f"{served.base}/health/live", timeout=1)
        reader.join(timeout=30)
        served.process.wait(timeout=30)
        took = time.monotonic() - signalled
    assert frames[-1] == "data: [DONE]"
    error = json.loads(frames[-2][6:])["error"]
    assert error["code"] == "shutting_down" and "MULTIPLEX_DRAIN_S" in error["message"]
    assert took < 10, took  # the drain (2 s) and the process's end, not the run's minute


def test_slow_headers_and_a_slow_body_are_timed_out(tmp_path: Path) -> None:
    with serving(tmp_path, header_timeout_s=1, body_timeout_s=1) as served:
        port = int(served.base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as slow:
            slow.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
            started = time.monotonic()
            assert slow.recv(1024) == b""  # closed by the server
            assert 0.5 < time.monotonic() - started < 5
        with socket.create_connection(("127.0.0.1", port), timeout=10) as trickle:
            trickle.sendall(
                b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b'Content-Length: 100\r\n\r\n{"model":'
            )
            reply = b""
            while chunk := trickle.recv(4096):
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 408") and b"MULTIPLEX_BODY_TIMEOUT_S" in reply
        assert httpx.get(f"{served.base}/health/live").status_code == 200


def test_more_connections_than_files_are_refused_and_logged_once_not_per_connection(tmp_path: Path) -> None:
    with serving(tmp_path, files=256, header_timeout_s=3) as served:
        port = int(served.base.rsplit(":", 1)[1])
        crowd = []
        for _ in range(400):  # idle connections, more than the process has files
            try:
                crowd.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            except OSError:
                break
        time.sleep(1)
        for s in crowd:
            s.close()
        time.sleep(4)  # the header deadline closes what was left
        assert httpx.get(f"{served.base}/health/live", timeout=5).status_code == 200
        lines = served.lines
    assert not [line for line in lines if "Traceback" in line]
    refused = [line for line in lines if "connections refused at the cap" in line]
    assert 1 <= len(refused) <= 3, lines[-20:]  # the first at once, the rest together


def test_a_control_character_in_a_path_cannot_forge_a_log_line(tmp_path: Path) -> None:
    with serving(tmp_path) as served:
        httpx.get(f"{served.base}/v1/models%0a2026-12-07 00:00:00,000 INFO forged line")
        time.sleep(0.3)
        lines = served.lines
    assert not [line for line in lines if line.startswith("2026-12-07 00:00:00,000")]
    assert [line for line in lines if "/v1/models\\n2026-12-07 00:00:00,000 INFO forged line" in line]


@pytest.mark.parametrize("keys", ["   ", "\t", " , "])
def test_api_keys_that_name_no_key_refuse_to_start(keys: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MULTIPLEX_")}
    done = subprocess.run(
        [sys.executable, "-m", "multiplex.cli", "serve", "--port", str(free_port())],
        env={**env, "MULTIPLEX_MODEL": "fake/test", "MULTIPLEX_API_KEYS": keys},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0 and "MULTIPLEX_API_KEYS" in done.stderr and "names no key" in done.stderr
    assert "Traceback" not in done.stderr
