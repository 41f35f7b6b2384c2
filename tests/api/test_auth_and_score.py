import threading
import time

import httpx
import pytest

from tests.conftest import wait_until

PROTECTED = [
    ("GET", "/v1/models", None),
    ("GET", "/v1/models/multiplex-mas", None),
    ("POST", "/v1/chat/completions", {"model": "multiplex-baseline", "messages": [{"role": "user", "content": "Q?"}]}),
    ("POST", "/v1/score", {"text": "Ubuntu."}),
    ("GET", "/metrics", None),
]
OPEN = ["/health/live", "/health/ready", "/playground/", "/openapi.json"]


@pytest.fixture
def keyed(serve):
    return serve(api_keys="alpha,beta")


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_every_protected_route_needs_a_valid_key(keyed, method, path, body) -> None:
    url = keyed.base_url + path
    for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": "Basic alpha"}):
        response = httpx.request(method, url, json=body, headers=headers)
        assert response.status_code == 401, (path, headers)
        assert response.json()["error"]["type"] == "authentication_error"
    for key in ("alpha", "beta"):
        response = httpx.request(method, url, json=body, headers={"authorization": f"Bearer {key}"})
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", OPEN)
def test_health_and_playground_stay_open(keyed, path) -> None:
    assert httpx.get(keyed.base_url + path).status_code == 200


def test_score_one_and_many(server) -> None:
    one = httpx.post(f"{server.api}/score", json={"text": "Kant wrote on duty. Ubuntu speaks of community."}).json()
    assert round(one["pds_entropy"], 3) == 0.356
    assert set(one) >= {"counts", "distribution", "pds_entropy", "references", "sentiment"}
    many = httpx.post(f"{server.api}/score", json={"texts": ["Kant.", "No reference."]}).json()
    assert [r["pds_entropy"] for r in many["results"]] == [0.0, 0.0]
    assert many["results"][1]["no_references"] is True


def test_score_with_sources_asks_after_every_voice_the_headings_name(server) -> None:
    """Raw answer text, no drafts: the voices whose citation is asked after are those its headings
    name, a section's own and the one line naming the voices with nothing traced to their texts."""
    text = (
        "**Main considerations.** Duty matters.\n\n"
        "**Hindu.** The Gita opens: “Ranged thus for battle on the sacred plain” [1].\n\n"
        "**Islamic, Buddhist and African.** *Nothing they wrote here on the question could be traced to their texts.*"
    )
    grounding = httpx.post(f"{server.api}/score", json={"text": text, "sources": True}).json()["grounding"]
    assert grounding["verified"] == 1
    assert grounding["voices_cited"] == {"islamic": False, "hindu": True, "buddhist": False, "african": False}


def test_score_with_drafts_adds_the_synthesis_metrics(server) -> None:
    drafts = {"confucian": "Confucius taught filial piety.", "african": "Ubuntu binds the living and the ancestors."}
    body = {"text": "Confucius taught filial piety.", "drafts": drafts}
    result = httpx.post(f"{server.api}/score", json=body).json()
    retention = result["synthesis"]["retention"]
    assert retention["confucian"] == pytest.approx(1.0, abs=1e-3) and retention["african"] < 0.5
    assert result["synthesis"]["retention_min"] == retention["african"]
    assert 1 < result["synthesis"]["distinct_drafts"] <= 2
    assert result["synthesis"]["mentions_process"] is False
    for bad in ({"text": "x", "drafts": {"martian": "y"}}, {"texts": ["x"], "drafts": {"african": "y"}}):
        response = httpx.post(f"{server.api}/score", json=bad)
        assert response.status_code == 400 and response.json()["error"]["param"] in ("drafts", None), response.text


def test_metrics_count_requests_and_agent_calls(server) -> None:
    httpx.post(
        f"{server.api}/chat/completions",
        json={"model": "multiplex-mas", "messages": [{"role": "user", "content": "Q?"}]},
        timeout=10,
    )
    text = httpx.get(f"{server.base_url}/metrics").text
    assert (
        'multiplex_agent_calls_total{model="fake/test",perspective="islamic",role="perspective",status="ok"} 1.0'
        in text
    )
    assert 'multiplex_tokens_total{kind="completion",model="fake/test"}' in text
    assert 'multiplex_requests_total{route="/v1/chat/completions",status="200"} 1.0' in text
    assert "multiplex_tokens_total" in text


def test_cors_from_settings(serve) -> None:
    server = serve(cors_origins="http://class.example")
    response = httpx.options(
        f"{server.api}/models", headers={"origin": "http://class.example", "access-control-request-method": "GET"}
    )
    assert response.headers["access-control-allow-origin"] == "http://class.example"


def test_metrics_port_serves_a_scrape_without_exposing_the_api(tmp_path) -> None:
    import os
    import subprocess
    import sys
    import time

    from tests.conftest import free_port

    port, metrics_port = free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MULTIPLEX_")},
        "MULTIPLEX_MODEL": "fake/test",
        "MULTIPLEX_API_KEYS": "secret",
        "MULTIPLEX_METRICS_PORT": str(metrics_port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "multiplex.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        body = {"model": "multiplex-baseline", "messages": [{"role": "user", "content": "Q?"}]}
        auth = {"authorization": "Bearer secret"}
        assert httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=body, headers=auth).status_code == 200
        scrape = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics")
        assert scrape.status_code == 200
        assert 'multiplex_requests_total{route="/v1/chat/completions",status="200"} 1.0' in scrape.text
        assert httpx.get(f"http://127.0.0.1:{port}/metrics").status_code == 401  # the API port still asks
        assert httpx.post(f"http://127.0.0.1:{metrics_port}/v1/chat/completions", json=body).status_code != 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_scoring_many_texts_runs_off_the_event_loop_within_the_run_limits(serve) -> None:
    """1,000 long texts take a while to score: meanwhile the server answers other requests, and the
    scoring holds a run slot, so with one slot and no queue a second request is turned away."""
    server = serve(max_concurrent_runs=1, max_queued_runs=0, max_body_bytes=8_000_000)
    texts = [f"Answer {i}. " + "The Quran and the Analects both speak of duty to parents. " * 60 for i in range(1000)]
    finished: dict[str, float] = {}

    def score_all() -> None:
        response = httpx.post(f"{server.api}/score", json={"texts": texts}, timeout=120)
        assert response.status_code == 200 and len(response.json()["results"]) == 1000
        finished["score"] = time.monotonic()

    worker = threading.Thread(target=score_all)
    worker.start()
    wait_until(lambda: 'runs_in_progress":1' in httpx.get(f"{server.base_url}/health/ready").text.replace(" ", ""))
    busy = httpx.post(f"{server.api}/score", json={"text": "Ubuntu."})
    assert busy.status_code == 503  # the scoring holds the one slot
    assert httpx.get(f"{server.base_url}/health/live").status_code == 200
    finished["health"] = time.monotonic()
    worker.join()
    assert finished["health"] < finished["score"]  # answered while the scoring was still running
