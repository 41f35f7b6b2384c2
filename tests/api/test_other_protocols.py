"""POST /v1/responses and POST /v1/completions, read by the official openai SDK: the same run as a
chat completion, in the shapes Responses clients (inspect_ai's `openai/`) and legacy text clients
(lm-eval's `local-completions`) read."""

from __future__ import annotations

import json
import logging

import httpx
import openai
import pytest

from tests.conftest import IDS
from tests.panel import CLOSING, DRAFTS, panel, unmarked


def client(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.api, api_key="none", max_retries=0)


def test_a_response_carries_the_answer_the_drafts_as_reasoning_and_the_run(serve, scripted) -> None:
    server = serve(model=scripted("panel", panel))
    response = client(server).responses.create(
        model="multiplex-mas", input="What is a good life?", instructions="Answer plainly.", store=False
    )
    assert response.id.startswith("resp_") and response.status == "completed" and response.error is None
    assert [item.type for item in response.output] == ["reasoning", "message"]
    assert DRAFTS["islamic"] in response.output[0].summary[0].text
    assert DRAFTS["islamic"] in unmarked(response.output_text)
    assert CLOSING in response.output_text
    run = response.model_extra["multiplex"]
    assert [p["id"] for p in run["perspectives"]] == IDS
    assert response.usage.total_tokens == run["usage"]["total_tokens"] > 0
    assert response.usage.input_tokens + response.usage.output_tokens == response.usage.total_tokens


def test_a_streamed_response_is_the_typed_events_the_sdk_parses(serve, scripted) -> None:
    server = serve(model=scripted("panel", panel))
    events = list(
        client(server).responses.create(
            model="multiplex-mas",
            input=[{"role": "user", "content": [{"type": "input_text", "text": "What is a good life?"}]}],
            stream=True,
        )
    )
    kinds = [e.type for e in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    drafts = "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta")
    final = events[-1].response
    assert final.output_text == text and CLOSING in text
    assert [item.type for item in final.output] == ["reasoning", "message"]
    assert final.output[0].summary[0].text == drafts and DRAFTS["hindu"] in drafts
    assert kinds.index("response.output_item.done") < kinds.index("response.content_part.added")  # drafts first
    assert final.model_extra["multiplex"]["mode"] == "mas" and final.usage.total_tokens > 0


def test_max_output_tokens_cuts_the_answer_and_says_so(serve, scripted) -> None:
    server = serve(model=scripted("panel", panel))
    response = client(server).responses.create(
        model="multiplex-mas",
        input="What is a good life?",
        max_output_tokens=20,
        extra_body={"multiplex": {"expose_drafts": "none"}},
    )
    assert response.status == "incomplete" and response.incomplete_details.reason == "max_output_tokens"
    assert [item.type for item in response.output] == ["message"]
    assert 0 < len(response.output_text.split()) <= 20


def test_a_baseline_response_with_a_conversation(server) -> None:
    response = client(server).responses.create(
        model="multiplex-baseline",
        input=[
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": "Q?"},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "A."}]},
            {"type": "reasoning", "id": "rs_1", "summary": []},  # replayed reasoning is not input
            {"role": "user", "content": "And?"},
        ],
    )
    assert response.status == "completed" and response.output_text
    assert response.model_extra["multiplex"]["mode"] == "baseline"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"previous_response_id": "resp_1"}, "previous_response_id"),
        ({"background": True}, "background"),
        ({"input": [{"type": "function_call", "name": "f"}]}, "input[0]"),
        ({"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "x"}]}]}, "input[0].content[0]"),
        ({"input": "  "}, "input"),
        ({"max_output_tokens": 0}, "max_output_tokens"),
        ({"tool_choice": "required", "tools": [{"type": "function", "name": "f"}]}, "tool_choice"),
    ],
)
def test_what_a_response_cannot_be_is_a_400_naming_the_field(server, body, param) -> None:
    reply = httpx.post(f"{server.api}/responses", json={"model": "multiplex-mas", "input": "Q?", **body})
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["param"] == param


def test_a_text_completion_is_the_answer_as_text(serve, scripted) -> None:
    server = serve(model=scripted("panel", panel))
    completion = client(server).completions.create(
        model="multiplex-mas", prompt="What is a good life?", max_tokens=2000, stop=["\n\n**Sources"]
    )
    assert completion.object == "text_completion" and completion.id.startswith("cmpl-")
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and CLOSING in choice.text and "**Sources" not in choice.text
    assert DRAFTS["western"] in unmarked(choice.text) and "<think>" not in choice.text
    assert completion.usage.total_tokens == completion.model_extra["multiplex"]["usage"]["total_tokens"]


def test_a_streamed_text_completion_adds_up_to_its_answer(serve, scripted) -> None:
    server = serve(model=scripted("panel", panel))
    chunks = list(
        client(server).completions.create(
            model="multiplex-mas",
            prompt=["What is a good life?"],
            stream=True,
            stream_options={"include_usage": True},
            extra_body={"multiplex": {"expose_drafts": "think"}},
        )
    )
    text = "".join(c.choices[0].text for c in chunks if c.choices)
    assert text.startswith("<think>\n**") and "\n</think>\n\n" in text  # drafts in the order they finish
    assert all(f"**{name}**\n" in text.split("</think>")[0] for name in ("Western", "Hindu", "Indigenous"))
    answer = text.split("</think>\n\n", 1)[1]
    assert CLOSING in answer
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.usage.total_tokens > 0
    assert last.model_extra["multiplex"]["mode"] == "mas"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"logprobs": 1}, "logprobs"),
        ({"echo": True}, "echo"),
        ({"n": 2}, "n"),
        ({"prompt": ["a", "b"]}, "prompt"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),  # refused by the chat request it becomes: a 400, not a 500
    ],
)
def test_what_a_completion_cannot_do_is_a_400_naming_the_field(server, body, param) -> None:
    reply = httpx.post(f"{server.api}/completions", json={"model": "multiplex-mas", "prompt": "Q?", **body})
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["param"] == param


def test_the_debug_log_shows_parameters_and_ignored_fields_not_the_text(serve) -> None:
    server = serve(log_level="debug")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("multiplex.api").addHandler(handler)
    try:
        reply = httpx.post(
            f"{server.api}/chat/completions",
            json={
                "model": "multiplex-baseline",
                "messages": [{"role": "user", "content": "a secret question"}],
                "temperature": 0.2,
                "frobnicate": 1,
            },
        )
    finally:
        logging.getLogger("multiplex.api").removeHandler(handler)
    assert reply.status_code == 200
    lines = [r.getMessage() for r in records]
    params = next(line for line in lines if line.startswith("chat completion parameters"))
    assert '"temperature": 0.2' in params and "secret" not in params
    assert any(line == "chat completion ignored unknown fields: frobnicate" for line in lines)
    assert json.loads(params.split(": ", 1)[1])["messages"] == "<1 items>"
