"""Several replicas, one service: a real Redis (Debian's redis-server, on loopback) shared by two
or three multiplex servers. The rate limit holds across them, an answer one computed the others
serve, a deployment of the backend pool that one replica cooled down the others skip (replicas in
processes of their own: `multiplex serve`), and Redis dying mid-run loses no request."""

from __future__ import annotations

import concurrent.futures
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.benchmarks.processes import multiplex_serve
from tests.conftest import free_port, wait_until
from tests.panel import panel
from tests.upstream import Reply

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="redis-server is not installed (apt-get install redis-server)"
)
Q = [{"role": "user", "content": "What do we owe our parents?"}]


class Redis:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Redis:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_until(
            lambda: (
                subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip()
                == b"PONG"
            )
        )
        return self

    def keys(self, pattern: str) -> bytes:
        found = subprocess.run(["redis-cli", "-p", str(self.port), "--scan", "--pattern", pattern], capture_output=True)
        return found.stdout.strip()

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def redis() -> Iterator[Redis]:
    server = Redis().start()
    yield server
    server.kill()


def chat(server, **body) -> httpx.Response:
    payload = {"model": "multiplex-mas", "messages": Q, **body}
    return httpx.post(f"{server.api}/chat/completions", json=payload, timeout=60)


def test_the_rate_limit_holds_across_replicas(serve, redis) -> None:
    replicas = [serve(redis_url=redis.url, rate_limit_rpm=4) for _ in range(3)]
    statuses = [chat(replicas[i % 3], model="multiplex-baseline").status_code for i in range(6)]
    assert statuses == [200] * 4 + [429] * 2  # four a minute in all, not four per replica
    refused = chat(replicas[0], model="multiplex-baseline")
    assert refused.json()["error"]["code"] == "rate_limit_exceeded" and int(refused.headers["retry-after"]) >= 1


def test_an_answer_one_replica_computed_the_others_serve(serve, redis, scripted) -> None:
    calls: list[str] = []
    model = scripted("counted", lambda call: calls.append(call.role) or panel(call))
    a, b = (serve(model=model, redis_url=redis.url, cache_ttl_s=60) for _ in range(2))
    first = chat(a).json()
    assert len(calls) == 9
    second = chat(b).json()
    assert len(calls) == 9 and second["multiplex"]["cached"] is True
    assert second["choices"][0]["message"]["content"] == first["choices"][0]["message"]["content"]


def test_a_deployment_one_replica_cooled_down_the_others_skip(redis, upstream, tmp_path) -> None:
    """A pool of two deployments on the loopback upstream, one answering 500. The replica that meets
    it cools it down in Redis (litellm's Router state); a second replica, started afterwards, never
    calls it in 20 requests, while a replica without Redis meets it on its own (each request picks a
    deployment at random: missing it 20 times running has odds of one in a million)."""
    upstream.script(Reply(status=500), when_model="dead")
    upstream.script(Reply(text="An answer from the healthy deployment."), when_model="alive")
    config = tmp_path / "pool.yaml"
    deployment = "{model_name: pool, litellm_params: {model: openai/%s, api_base: '%s', api_key: sk-loopback}}"
    config.write_text(
        "model_list:\n"
        + "".join(f"  - {deployment % (name, upstream.api)}\n" for name in ("dead", "alive"))
        + "router_settings: {allowed_fails: 0, cooldown_time: 120, num_retries: 0, routing_strategy: simple-shuffle}\n"
    )
    settings = {
        "MULTIPLEX_MODEL": "pool",
        "MULTIPLEX_ROUTER_CONFIG": str(config),
        "MULTIPLEX_RETRIES": "0",
        "MULTIPLEX_CACHE_TTL_S": "0",  # every request a model call
    }

    def dead_calls() -> int:
        return sum(1 for call in upstream.calls if call.body.get("model") == "dead")

    def ask(base: str, times: int) -> int:
        before = dead_calls()
        for i in range(times):
            body = {"model": "multiplex-baseline", "messages": [{"role": "user", "content": f"Question {i}?"}]}
            httpx.post(f"{base}/v1/chat/completions", json=body, timeout=60)
        return dead_calls() - before

    shared = {**settings, "MULTIPLEX_REDIS_URL": redis.url}
    with multiplex_serve(shared) as (first, _):
        met = 0
        for _ in range(30):  # until the first replica has met the failing deployment (and cooled it down)
            met += ask(first, 1)
            if met:
                break
        assert met == 1 and redis.keys("deployment:*:cooldown")
        with multiplex_serve(shared) as (second, _):
            assert ask(second, 20) == 0  # it read the cooldown from Redis
    with multiplex_serve(settings) as (alone, _):
        assert ask(alone, 20) >= 1  # without Redis, a replica finds the failing deployment by itself


def test_redis_dying_mid_run_loses_no_request(serve, redis, scripted) -> None:
    replicas = [
        serve(
            model=scripted("panel", panel),
            redis_url=redis.url,
            rate_limit_rpm=1000,
            fake_latency_ms=300,
            cache_ttl_s=60,
        )
        for _ in range(2)
    ]
    assert httpx.get(f"{replicas[0].base_url}/health/ready").json()["redis"] == "up"
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        pending = [
            pool.submit(chat, replicas[i % 2], messages=[{"role": "user", "content": f"Q{i}?"}]) for i in range(6)
        ]
        time.sleep(0.1)
        redis.kill()
        statuses = [f.result().status_code for f in pending]
    assert statuses == [200] * 6
    after = [chat(r, messages=[{"role": "user", "content": "After?"}]) for r in replicas]
    assert [r.status_code for r in after] == [200, 200]
    ready = httpx.get(f"{replicas[0].base_url}/health/ready")
    assert ready.status_code == 200 and ready.json()["redis"] == "down"
    assert "multiplex_redis_up 0.0" in httpx.get(f"{replicas[0].base_url}/metrics").text
    redis.start()  # back on the same port: shared again, once a request has found it (readiness only reads)

    def back() -> bool:
        chat(replicas[0], messages=[{"role": "user", "content": "Back?"}])
        return httpx.get(f"{replicas[0].base_url}/health/ready").json()["redis"] == "up"

    wait_until(back, timeout_s=20)


def test_readiness_reads_redis_state_and_never_resets_the_back_off(serve, scripted) -> None:
    """A Redis that accepts connections and never answers (a black hole): the first request finds
    it down; polling readiness after that must not send every request back to wait on it."""
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(100)
    url = f"redis://127.0.0.1:{hole.getsockname()[1]}/0"
    server = serve(model=scripted("panel", panel), redis_url=url, rate_limit_rpm=1000, cache_ttl_s=0)
    try:
        chat(server, model="multiplex-baseline")  # finds Redis down (its timeout), and backs off
        slow = 0
        for _ in range(10):
            assert httpx.get(f"{server.base_url}/health/ready").json()["redis"] == "down"
            started = time.monotonic()
            assert chat(server, model="multiplex-baseline").status_code == 200
            slow += time.monotonic() - started > 0.4  # a request that waited on the black hole again
        assert slow <= 1, slow
    finally:
        hole.close()
