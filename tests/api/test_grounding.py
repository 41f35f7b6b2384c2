"""Grounded voices through a real HTTP upstream (the loopback server, reached by litellm's `openai/`
provider): invented quotations in the drafts and in the answer never reach the user, streamed or
not; real ones are numbered with their sources; a synthesis that drops voices gets them back."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import IDS, NAMES, named
from tests.upstream import Reply

MODEL = "openai/loopback-model"
Q = [{"role": "user", "content": "What do we owe our parents?"}]
SYNTHESIZER = "You are the multiplex synthesizer"
REAL = "Thy Lord hath decreed, that ye worship none save Him, and (that ye show) kindness to parents."
INVENTED = "The meat you eat is not from the creation of the Lord."
DRAFT = "Each tradition asks care for parents in its own words. Care is owed in old age above all."


def script(upstream, synthesis: str) -> None:
    upstream.default = Reply(text=DRAFT)
    upstream.script(
        Reply(text=f'The Quran says: "{REAL}" The Prophet Muhammad said that "{INVENTED}" Duty is shared.'),
        when_system="voice of the Islamic tradition",
    )
    upstream.script(Reply(text=synthesis), when_system=SYNTHESIZER)


def answer(server, stream: bool) -> tuple[str, dict, str]:
    body = {"model": "multiplex-mas", "messages": Q, "stream": stream}
    if not stream:
        data = httpx.post(f"{server.api}/chat/completions", json=body, timeout=60).json()
        return (
            data["choices"][0]["message"]["content"],
            data["multiplex"],
            data["choices"][0]["message"]["reasoning_content"],
        )
    with httpx.stream("POST", f"{server.api}/chat/completions", json=body, timeout=60) as response:
        frames = [json.loads(f[6:]) for f in "".join(response.iter_text()).split("\n\n") if f.startswith("data: {")]
    text = "".join(c["delta"].get("content") or "" for f in frames for c in f.get("choices", []))
    drafts = "".join(c["delta"].get("reasoning_content") or "" for f in frames for c in f.get("choices", []))
    deltas = "".join(
        f["multiplex"].get("text") or "" for f in frames if f.get("multiplex", {}).get("event") == "perspective_delta"
    )
    record = next(f["multiplex"] for f in frames if f.get("multiplex", {}).get("mode"))
    return text, record, drafts + deltas


@pytest.mark.parametrize("stream", [False, True])
def test_invented_quotations_never_reach_the_user_and_real_ones_are_cited(serve, upstream, stream) -> None:
    script(upstream, f'In Islam, "{REAL}" Elders say: "Respect the old and feed the young every day." Duty is shared.')
    server = serve(model=MODEL, synthesis="llm", planner="off", retries=0)
    text, record, drafts = answer(server, stream)
    for shown in (text, drafts, json.dumps(record["perspectives"])):
        assert "meat you eat" not in shown and "feed the young" not in shown
    assert (
        f'"{REAL}" [1]' in text
        and "**Sources.**\n- [1] Qur'an, The Meaning of the Glorious Koran, Qur'an 17:23" in text
    )
    islamic = next(p for p in record["perspectives"] if p["id"] == "islamic")
    assert islamic["content"].startswith(f'The Quran says: "{REAL}"') and "Duty is shared." in islamic["content"]
    cited = {c["locator"]: c["verified"] for c in islamic["citations"]}
    assert cited["Qur'an 17:23 (Surah Al-Isra)"] is True and list(cited.values()).count(True) == 1
    grounding = record["grounding"]
    assert grounding["removed"] == 2 and grounding["verified"] >= 2
    assert "islamic.quran_pickthall.02244" in grounding["quoted"]


@pytest.mark.parametrize("stream", [False, True])
def test_a_synthesis_that_drops_voices_gets_them_back(serve, upstream, stream) -> None:
    script(upstream, "You're speaking from your own way of thinking. Your source is Ubuntu, and Ubuntu alone.")
    server = serve(model=MODEL, synthesis="llm", planner="off", retries=0)
    text, record, _ = answer(server, stream)
    restored = record["synthesis"]["restored"]
    names = dict(zip(IDS, NAMES, strict=True))
    assert len(restored) >= 6 and {names[pid] for pid in restored} <= named(text)
    # their drafts say nothing their texts support: the sections say so, and what they said is listed
    assert {c["perspectives"][0] for c in record["grounding"]["unsupported_claims"]} >= set(restored)
    written = text.split("\n\n")[1]  # what the synthesis wrote stays, after the considerations
    assert text.startswith("**Main considerations.** ") and written.startswith("You're speaking from your own way")
