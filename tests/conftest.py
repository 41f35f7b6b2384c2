"""Shared fixtures.

Tests run on the in-process `fake/` provider (plumbing), on a loopback OpenAI-compatible upstream
reached through litellm's real `openai/` provider (everything about provider behaviour and
failures), or, marked smoke, on the embedded model. A call anywhere else fails the test before it
leaves the process.
"""

from __future__ import annotations

import os
import re

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# The tests' own settings (MULTIPLEX_TEST_*, such as MULTIPLEX_TEST_CHROMIUM) are kept.
for _name in [k for k in os.environ if k.startswith(("MULTIPLEX_", "OPENAI_")) and not k.startswith("MULTIPLEX_TEST_")]:
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
from multiplex.graph import Engine  # noqa: E402
from multiplex.llm import fake  # noqa: E402
from multiplex.prompts import cached_prompts  # noqa: E402
from multiplex.roster import cached_roster  # noqa: E402
from multiplex.settings import get_settings, load_settings  # noqa: E402
from tests.upstream import Upstream  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
WORLDVIEW_BENCH = SHARED / "worldview-bench" / "WorldView-Bench Dataset.csv"
OPEN_WEBUI = SHARED / "clients" / "open-webui-0.12.4"
IDS = ["western", "islamic", "confucian", "hindu", "buddhist", "african", "indigenous"]
NAMES = ["Western", "Islamic", "Confucian", "Hindu", "Buddhist", "African", "Indigenous"]
LOOPBACK = ("http://127.0.0.1:", "http://localhost:")


def named(text: str) -> set[str]:
    """The voices an answer's headings name: each section's, and those the one line of voices with
    nothing traced to their texts names together ("**Islamic, Hindu and African.**")."""
    return {name for heading in re.findall(r"\*\*([^*\n]+?)\.\*\*", text) for name in re.split(r", | and ", heading)}


ARGKP = SHARED / "viewpoints" / "argkp"
PERSPECTRUM = SHARED / "viewpoints" / "perspectrum"
needs_viewpoints = pytest.mark.skipif(
    not (ARGKP / "kpm_data").is_dir() or not PERSPECTRUM.is_dir(),
    reason=f"ArgKP and Perspectrum are read from {SHARED / 'viewpoints'}, absent in this checkout",
)
needs_worldview_bench = pytest.mark.skipif(
    not WORLDVIEW_BENCH.is_file(),
    reason=f"the 175 WorldView-Bench questions are read from {WORLDVIEW_BENCH}, absent in this checkout",
)


class RealProviderCalled(AssertionError):
    pass


def _loopback(kwargs: dict[str, object]) -> bool:
    base = str(kwargs.get("api_base") or kwargs.get("base_url") or os.environ.get("OPENAI_API_BASE") or "")
    return base.startswith(LOOPBACK)


@pytest.fixture(autouse=True)
def provider_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    allowed = ("fake/", "local/") if request.node.get_closest_marker("smoke") else ("fake/",)
    real = litellm.acompletion

    async def guarded(*args: object, **kwargs: object) -> object:
        model = str(kwargs.get("model", args[0] if args else ""))
        if not model.startswith(allowed) and not (model.startswith("openai/") and _loopback(kwargs)):
            raise RealProviderCalled(f"a test tried to reach a real provider: {model}")
        return await real(*args, **kwargs)

    monkeypatch.setattr(litellm, "acompletion", guarded)


@pytest.fixture(autouse=True)
def fresh_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Every test's runs are fresh: a repeated request is run again. The answer cache's own tests
    # (tests/api/test_answer_cache.py) turn it on.
    monkeypatch.setenv("MULTIPLEX_CACHE_TTL_S", "0")
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


def engine(**settings: object) -> Engine:
    """An engine on the current environment's settings, with `settings` on top."""
    return Engine.from_settings(load_settings(**settings))


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Poll `condition` until it holds; fail the test if it does not within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"the condition did not hold within {timeout_s:g} s")
        time.sleep(0.005)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog, also for the `multiplex` loggers (the app's logging does not propagate to the root)."""
    import logging

    root = logging.getLogger("multiplex")
    root.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="multiplex")
    yield caplog
    root.removeHandler(caplog.handler)


@pytest.fixture
def scripted() -> Iterator[Callable[[str, fake.Script], str]]:
    """Script the fake provider for one test: model = scripted("name", lambda call: "reply")."""
    names: list[str] = []

    def script(name: str, reply: fake.Script) -> str:
        names.append(name)
        return fake.script(name, reply)

    yield script
    for name in names:
        fake.unscript(name)


@pytest.fixture
def fake_model() -> Iterator[Callable[..., fake.FakeModel]]:
    """A fake model as one object for one test: fake_model("name").enqueue("reply"), then .calls."""
    made: list[fake.FakeModel] = []

    def make(name: str, reply: fake.Script | None = None) -> fake.FakeModel:
        made.append(fake.FakeModel(name, reply))
        return made[-1]

    yield make
    for model in made:
        model.close()


# The loopback upstream: one real HTTP server for the session, its script reset for each test.


@pytest.fixture(scope="session")
def _upstream_server() -> Iterator[Upstream]:
    server = Upstream().start()
    yield server
    server.stop()


@pytest.fixture
def upstream(_upstream_server: Upstream, monkeypatch: pytest.MonkeyPatch) -> Iterator[Upstream]:
    """The loopback upstream, as `openai/...` models reach it (OPENAI_API_BASE), freshly scripted."""
    _upstream_server.reset()
    monkeypatch.setenv("OPENAI_API_BASE", _upstream_server.api)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-loopback-key")
    yield _upstream_server
    _upstream_server.reset()


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
        app = create_app(load_settings())
        port = int(settings["port"]) if "port" in settings else free_port()  # type: ignore[call-overload]
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
