"""Real chat clients: Open WebUI's own captured traffic replayed against a live server with a
loopback upstream behind it, tools accepted the way OpenAI servers accept them, clients'
background tasks as one plain call, and the `llm` CLI and litellm as clients."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import litellm
import openai
import pytest

from tests.conftest import OPEN_WEBUI, named
from tests.upstream import Reply

needs_open_webui = pytest.mark.skipif(
    not OPEN_WEBUI.is_dir(),
    reason=f"Open WebUI's captured requests are read from {OPEN_WEBUI}, absent in this checkout",
)
TITLE = '{"title": "Eating Meat"}'
FOLLOW_UPS = '{"follow_ups": ["What about fish?", "Is veganism required?"]}'
TAGS = '{"tags": ["Philosophy", "Ethics", "Food"]}'


def body(name: str) -> dict:
    return json.loads((OPEN_WEBUI / name).read_text(encoding="utf-8"))


def answer_by_role(request: dict) -> str:
    """The loopback upstream's replies: what a real model would say to each of multiplex's calls."""
    messages = request.get("messages", [])
    system = " ".join(str(m.get("content")) for m in messages if m.get("role") == "system")
    last = str(messages[-1].get("content")) if messages else ""
    if "coordinate a panel" in system:
        return "{}"
    if "multiplex synthesizer" in system:
        return "Most traditions allow eating meat with gratitude and restraint. Some ask for no killing at all."
    if last.startswith("### Task:"):
        return TITLE if "title" in last else FOLLOW_UPS if "follow_ups" in last else TAGS
    return "From this tradition: eat with gratitude, take only what you need."


def sse(server, payload: dict) -> list[str]:
    with httpx.stream("POST", f"{server.api}/chat/completions", json=payload, timeout=60) as response:
        assert response.status_code == 200, response.read()
        text = "".join(response.iter_text())
    return [f.removeprefix("data: ") for f in text.split("\n\n") if f.startswith("data: ")]


def content_of(frames: list[str]) -> str:
    chunks = [json.loads(f) for f in frames if f != "[DONE]"]
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))


def post(server, payload: dict) -> dict:
    response = httpx.post(f"{server.api}/chat/completions", json=payload, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


# Tools, as OpenAI servers accept them ------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"tools": [{"type": "function", "function": {"name": "now", "parameters": {"type": "object"}}}]},
        {"tools": [{"type": "function", "function": {"name": "now"}}], "tool_choice": "auto"},
        {"tools": [{"type": "function", "function": {"name": "now"}}], "tool_choice": "none"},
        {"tools": [{"type": "function", "function": {"name": "now"}}], "parallel_tool_calls": False},
        {"functions": [{"name": "now", "parameters": {"type": "object"}}], "function_call": "auto"},
    ],
)
def test_tools_the_model_may_decline_are_accepted_and_answered_in_text(server, extra) -> None:
    result = post(server, {"model": "multiplex-baseline", "messages": [{"role": "user", "content": "Q?"}], **extra})
    message = result["choices"][0]["message"]
    assert message["content"] and "tool_calls" not in message
    assert result["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"tool_choice": "required"}, "tool_choice"),
        ({"tool_choice": {"type": "function", "function": {"name": "now"}}}, "tool_choice"),
        ({"function_call": {"name": "now"}}, "function_call"),
    ],
)
def test_a_forced_tool_call_is_a_400_naming_the_param(server, extra, param) -> None:
    tools = {"tools": [{"type": "function", "function": {"name": "now"}}]}
    payload = {"model": "multiplex-mas", "messages": [{"role": "user", "content": "Q?"}], **tools, **extra}
    response = httpx.post(f"{server.api}/chat/completions", json=payload, timeout=10)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == param and "answers in text" in error["message"]


def test_the_openai_sdk_with_tools(server) -> None:
    client = openai.OpenAI(base_url=server.api, api_key="none", max_retries=0)
    tool = {"type": "function", "function": {"name": "now", "parameters": {"type": "object", "properties": {}}}}
    completion = client.chat.completions.create(
        model="multiplex-contextual", messages=[{"role": "user", "content": "Q?"}], tools=[tool]
    )
    assert completion.choices[0].message.content and not completion.choices[0].message.tool_calls


# Clients' background tasks ------------------------------------------------------------------------


def test_a_client_task_is_one_plain_call_that_may_return_json(serve, scripted) -> None:
    seen = []
    server = serve(model=scripted("seen", lambda call: seen.append(call) or TITLE))
    task = '### Task:\nGenerate a concise title.\n### Output:\nJSON format: { "title": "..." }'
    for model in ("multiplex-mas", "multiplex-contextual", "perspective-hindu"):
        seen.clear()
        result = post(server, {"model": model, "messages": [{"role": "user", "content": task}]})
        assert result["choices"][0]["message"]["content"] == TITLE
        assert result["multiplex"]["mode"] == "task" and result["multiplex"]["scores"] is None
        assert len(seen) == 1 and seen[0].role == "task"
        assert seen[0].messages == [{"role": "user", "content": task}]  # the client's own words, nothing of ours
        assert seen[0].response_format == {"type": "json_object"}  # it asked for JSON in so many words


def test_client_tasks_can_be_turned_off_and_more_shapes_added(serve) -> None:
    server = serve(client_tasks="off")
    task = "### Task:\nGenerate tags."
    assert (
        post(server, {"model": "multiplex-mas", "messages": [{"role": "user", "content": task}]})["multiplex"]["mode"]
        == "mas"
    )
    server = serve(client_tasks="on", client_task_patterns='["Write a 5-word title"]')
    result = post(server, {"model": "multiplex-mas", "messages": [{"role": "user", "content": "Write a 5-word title"}]})
    assert result["multiplex"]["mode"] == "task"
    plain = post(server, {"model": "multiplex-mas", "messages": [{"role": "user", "content": "What is a task?"}]})
    assert plain["multiplex"]["mode"] == "mas"


# Open WebUI's real traffic, against a loopback upstream --------------------------------------------


@needs_open_webui
def test_open_webui_chat_turns_and_background_tasks(serve, upstream) -> None:
    upstream.default = Reply(text=answer_by_role)
    server = serve(model="openai/loopback-model", retries=0)

    turn1 = body("chat-turn1.json")
    assert len(turn1["tools"]) == 36 and "tool_choice" not in turn1  # what Open WebUI sends by default
    frames = sse(server, turn1)
    assert frames[-1] == "[DONE]"
    assert "\n\nMost traditions allow eating meat" in content_of(frames)  # after the considerations
    chat_calls = len(upstream.calls)
    assert chat_calls == 10  # the planner, seven perspectives, the considerations, the synthesizer

    for name, expected in (("task-title.json", TITLE), ("task-follow-ups.json", FOLLOW_UPS), ("task-tags.json", TAGS)):
        before = len(upstream.calls)
        result = post(server, body(name))
        assert len(upstream.calls) == before + 1, name  # one call, not a fan-out
        assert result["choices"][0]["message"]["content"] == expected  # the upstream's words, untouched
        assert result["multiplex"]["mode"] == "task"
        sent = upstream.calls[-1].body
        assert sent["messages"] == body(name)["messages"] and sent["response_format"] == {"type": "json_object"}
    assert len(upstream.calls) == chat_calls + 3  # per chat turn: 9 + 3, where a fan-out per task made it 9 + 27

    upstream.calls.clear()
    frames = sse(server, body("chat-turn2.json"))
    assert frames[-1] == "[DONE]" and content_of(frames)
    perspective_calls = [c for c in upstream.calls if "voice of the" in c.system]
    assert len(perspective_calls) == 7
    history = [(m["role"], m["content"][:20]) for m in perspective_calls[0].body["messages"][1:]]
    assert history == [
        ("user", "Is it right to eat m"),
        ("assistant", "A multiplex answer t"),
        ("user", "And what about fish?"),
    ]


@needs_open_webui
def test_open_webui_tasks_fanned_out_when_detection_is_off(serve, upstream) -> None:
    """The cost before: with client tasks off, each task is a whole mas run."""
    upstream.default = Reply(text=answer_by_role)
    server = serve(model="openai/loopback-model", retries=0, client_tasks="off")
    for name in ("task-title.json", "task-follow-ups.json", "task-tags.json"):
        post(server, body(name))
    assert len(upstream.calls) == 30


# Other clients -----------------------------------------------------------------------------------


def test_llm_cli_as_a_client(server, tmp_path: Path) -> None:
    (tmp_path / "extra-openai-models.yaml").write_text(
        f"- model_id: multiplex-mas\n  model_name: multiplex-mas\n  api_base: {server.api}\n"
        f"- model_id: multiplex-baseline\n  model_name: multiplex-baseline\n  api_base: {server.api}\n"
    )
    env = {**os.environ, "LLM_USER_PATH": str(tmp_path), "OPENAI_API_KEY": "unused"}
    for args in (["-m", "multiplex-mas"], ["-m", "multiplex-baseline", "--no-stream"]):
        done = subprocess.run(
            [sys.executable, "-m", "llm", *args, "What makes a good teacher?"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "What makes a good teacher?" in done.stdout or "Western" in named(done.stdout), done.stdout


async def test_litellm_as_a_client(server) -> None:
    response = await litellm.acompletion(
        model="openai/multiplex-mas",
        api_base=server.api,
        api_key="unused",
        messages=[{"role": "user", "content": "What makes a good teacher?"}],
    )
    assert "Western" in named(response.choices[0].message.content)
    stream = await litellm.acompletion(
        model="openai/multiplex-baseline",
        api_base=server.api,
        api_key="unused",
        messages=[{"role": "user", "content": "What makes a good teacher?"}],
        stream=True,
    )
    pieces = [chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices]
    assert "What makes a good teacher?" in "".join(pieces)
