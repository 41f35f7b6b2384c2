"""Shared fixtures. Every test runs on the fake provider; a call to any provider other than
fake/ (or local/ in tests marked smoke) fails the test before it leaves the process."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
for _name in [k for k in os.environ if k.startswith("MULTIPLEX_")]:
    del os.environ[_name]
os.environ["MULTIPLEX_MODEL"] = "fake/test"

import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx  # noqa: E402
import litellm  # noqa: E402
import pytest  # noqa: E402
import uvicorn  # noqa: E402

from multiplex.api.app import create_app  # noqa: E402
from multiplex.llm import fake  # noqa: E402
from multiplex.prompts import cached_prompts  # noqa: E402
from multiplex.roster import cached_roster  # noqa: E402
from multiplex.settings import get_settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WORLDVIEW_BENCH = ROOT.parent / "shared" / "data" / "worldview-bench" / "WorldView-Bench Dataset.csv"


class RealProviderCalled(AssertionError):
    pass


@pytest.fixture(autouse=True)
def provider_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    allowed = ("fake/", "local/") if request.node.get_closest_marker("smoke") else ("fake/",)
    real = litellm.acompletion

    async def guarded(*args: object, **kwargs: object) -> object:
        model = str(kwargs.get("model", args[0] if args else ""))
        if not model.startswith(allowed):
            raise RealProviderCalled(f"a test tried to reach a real provider: {model}")
        return await real(*args, **kwargs)

    monkeypatch.setattr(litellm, "acompletion", guarded)


@pytest.fixture(autouse=True)
def fresh_state() -> Iterator[None]:
    get_settings.cache_clear()
    fake.STATS.reset()
    yield
    get_settings.cache_clear()
    cached_roster.cache_clear()
    cached_prompts.cache_clear()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Set MULTIPLEX_* variables for one test: env(fake_latency_ms=200, fake_fail="islamic")."""

    def set_env(**values: object) -> None:
        for key, value in values.items():
            monkeypatch.setenv(f"MULTIPLEX_{key.upper()}", str(value))
        get_settings.cache_clear()

    return set_env


# A real uvicorn server on a free loopback port, in a thread of the test process (so tests can
# read the fake provider's call counters).


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, base_url: str, server: uvicorn.Server, thread: threading.Thread) -> None:
        self.base_url = base_url
        self.api = f"{base_url}/v1"
        self._server = server
        self._thread = thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture
def serve(env: Callable[..., None]) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(**settings: object) -> Server:
        env(**settings)
        app = create_app(get_settings())
        port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise RuntimeError("the test server did not start")
        handle = Server(base, server, thread)
        servers.append(handle)
        return handle

    yield start
    for s in servers:
        s.stop()


@pytest.fixture
def server(serve: Callable[..., Server]) -> Server:
    return serve()
