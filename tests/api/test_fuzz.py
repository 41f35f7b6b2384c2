"""Odd strings anywhere in a request: a clear 4xx or an answer, never a 5xx."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from multiplex.api.app import create_app
from multiplex.settings import load_settings

# Any code point, lone surrogates included, and the characters JSON and SSE care about.
ODD = st.text(st.characters(codec=None, categories=None), max_size=40) | st.sampled_from(
    ["\ud800", "\udfff", "\x00", "\u2028", "\n\ndata: [DONE]\n\n", "</draft>", "\ufeff", "🙂" * 30]
)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(load_settings(model="fake/test")))


def raw(payload: dict) -> bytes:
    # json.dumps escapes lone surrogates as \\udxxx: valid JSON that decodes to invalid text.
    return json.dumps(payload).encode()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(content=ODD, system=ODD, user=ODD, stop=ODD, model=st.sampled_from(["multiplex-mas", "multiplex-baseline"]))
# a lone mark once joined each draft's two sentences, and the fake's first speaks of the process
@example(content='"', system="", user="", stop="", model="multiplex-mas")
def test_odd_strings_never_cause_a_5xx(client, content, system, user, stop, model) -> None:
    body = {
        "model": model,
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": content}],
        "user": user,
        "stop": stop or None,
        "multiplex": {"score": True},
    }
    response = client.post("/v1/chat/completions", content=raw(body), headers={"content-type": "application/json"})
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert set(response.json()["error"]) == {"message", "type", "param", "code"}


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=ODD, draft=ODD)
def test_odd_strings_to_the_scorer_never_cause_a_5xx(client, text, draft) -> None:
    body = {"text": text, "drafts": {"confucian": draft}}
    response = client.post("/v1/score", content=raw(body), headers={"content-type": "application/json"})
    assert response.status_code in (200, 400), response.text
