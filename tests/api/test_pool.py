"""A backend pool through litellm's Router, and a model per perspective, against loopback upstreams."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from multiplex.errors import ConfigError
from multiplex.resources import data_dir
from tests.conftest import IDS, engine
from tests.upstream import Reply, Upstream

Q = [{"role": "user", "content": "What do we owe our parents?"}]
DEAD = "http://127.0.0.1:9/v1"  # nothing listens on the discard port


@pytest.fixture
def upstreams() -> Iterator[list[Upstream]]:
    servers = [Upstream().start(), Upstream().start()]
    yield servers
    for s in servers:
        s.stop()


def pool_config(path: Path, bases: list[str], **router_settings: object) -> Path:
    deployments = [
        {"model_name": "loopback-pool", "litellm_params": {"model": "openai/pooled", "api_base": b, "api_key": "sk-x"}}
        for b in bases
    ]
    path.write_text(json.dumps({"model_list": deployments, "router_settings": router_settings}))  # JSON is YAML
    return path


def chat(server, model: str = "multiplex-mas") -> httpx.Response:
    return httpx.post(f"{server.api}/chat/completions", json={"model": model, "messages": Q}, timeout=60)


def test_calls_spread_over_the_pool(serve, upstreams, tmp_path) -> None:
    config = pool_config(tmp_path / "pool.yaml", [u.api for u in upstreams], routing_strategy="simple-shuffle")
    server = serve(model="loopback-pool", router_config=config, planner="off", retries=0)
    for _ in range(4):
        response = chat(server)
        assert response.status_code == 200, response.text
        assert {p["model"] for p in response.json()["multiplex"]["perspectives"]} == {"loopback-pool"}
    counts = [len(u.calls) for u in upstreams]
    assert sum(counts) == 4 * 9 and min(counts) >= 6, counts  # 36 calls, both replicas used


def test_a_replica_down_fails_over_and_is_cooled_down(serve, upstreams, tmp_path, logs) -> None:
    config = pool_config(
        tmp_path / "pool.yaml", [upstreams[0].api, DEAD], num_retries=2, allowed_fails=1, cooldown_time=60
    )
    server = serve(model="loopback-pool", router_config=config, planner="off", retries=0)
    for _ in range(3):
        response = chat(server)
        assert response.status_code == 200, response.text
        assert all(p["status"] == "ok" for p in response.json()["multiplex"]["perspectives"])
    assert len(upstreams[0].calls) == 3 * 9  # every call answered by the live replica
    assert "cooled down" in logs.text and DEAD in logs.text
    metrics = httpx.get(f"{server.base_url}/metrics").text
    assert f'multiplex_pool_cooldowns_total{{deployment="{DEAD}",model="loopback-pool"' in metrics


def test_a_card_may_name_its_own_model(serve, upstreams, tmp_path) -> None:
    agents = tmp_path / "agents"
    shutil.copytree(data_dir("agents"), agents)
    card = agents / "islamic.toml"
    card.write_text(card.read_text() + '\nmodel = "loopback-pool"\n')
    config = pool_config(tmp_path / "pool.yaml", [upstreams[1].api])
    upstreams[1].default = Reply(text="From the pool: the Quran asks kindness to parents.")
    server = serve(model="fake/test", router_config=config, agents_dir=agents, planner="off")
    body = chat(server).json()
    records = {p["id"]: p for p in body["multiplex"]["perspectives"]}
    assert records["islamic"]["model"] == "loopback-pool"
    assert records["islamic"]["content"] == "From the pool: the Quran asks kindness to parents."
    assert all(records[i]["model"] == "fake/test" for i in IDS if i != "islamic")
    assert len(upstreams[1].calls) == 1 and "Islamic tradition" in upstreams[1].calls[0].system
    model = httpx.get(f"{server.api}/models/perspective-islamic").json()
    assert model["multiplex"]["model"] == "loopback-pool"
    metrics = httpx.get(f"{server.base_url}/metrics").text
    assert (
        'multiplex_agent_calls_total{model="loopback-pool",perspective="islamic",role="perspective",status="ok"} 1.0'
        in metrics
    )


def test_a_card_naming_an_unknown_model_fails_at_start_up(tmp_path) -> None:
    agents = tmp_path / "agents"
    shutil.copytree(data_dir("agents"), agents)
    card = agents / "hindu.toml"
    card.write_text(card.read_text() + '\nmodel = "no-such-pool"\n')
    config = pool_config(tmp_path / "pool.yaml", [DEAD])
    with pytest.raises(ConfigError, match="card 'hindu': field 'model': 'no-such-pool'"):
        engine(agents_dir=agents, router_config=config)
    with pytest.raises(ConfigError, match="MULTIPLEX_MODEL: 'nowhere'"):
        engine(model="nowhere", router_config=config)
    (tmp_path / "bad.yaml").write_text("model_list: []\n")
    with pytest.raises(ConfigError, match="bad.yaml: field 'model_list'"):
        engine(router_config=tmp_path / "bad.yaml")
