"""inspect_ai (pinned in the test extra) as a client of a real multiplex server: its `openai/`
provider (the Responses API) and its `openai-api/` provider (chat completions), streamed and not.
Each must read the answer, the drafts as the model's reasoning, and the usage."""

from __future__ import annotations

import pytest

inspect_ai = pytest.importorskip("inspect_ai", reason="inspect_ai is in the test extra: pip install -e '.[test]'")

from inspect_ai import Task, eval  # noqa: E402
from inspect_ai.dataset import Sample  # noqa: E402
from inspect_ai.model import ContentReasoning, get_model  # noqa: E402
from inspect_ai.scorer import includes  # noqa: E402
from inspect_ai.solver import generate  # noqa: E402

from tests.panel import CLOSING, DRAFTS, panel, unmarked  # noqa: E402


@pytest.mark.parametrize("provider", ["openai/multiplex-mas", "openai-api/multiplex/multiplex-mas"])
@pytest.mark.parametrize("streaming", [False, True])
def test_inspect_ai_evaluates_a_mas_model(serve, scripted, tmp_path, provider, streaming) -> None:
    server = serve(model=scripted("panel", panel))
    stream_arg = "streaming" if provider.startswith("openai/") else "stream"  # the two providers' names for it
    model = get_model(provider, base_url=server.api, api_key="none", **{stream_arg: streaming})
    task = Task(dataset=[Sample(input="What is a good life?", target=CLOSING)], solver=generate(), scorer=includes())
    [log] = eval(task, model=model, log_dir=str(tmp_path), display="none", max_retries=0)
    assert log.status == "success", log.error
    [sample] = log.samples or []
    assert sample.scores and sample.scores["includes"].value == "C"  # the answer holds the closing
    assert DRAFTS["islamic"] in unmarked(sample.output.completion)
    reasoning = [c for c in sample.output.message.content if isinstance(c, ContentReasoning)]
    assert reasoning and DRAFTS["hindu"] in reasoning[0].reasoning + (reasoning[0].summary or "")
    assert sample.output.usage is not None and sample.output.usage.total_tokens > 0
    [request] = [e.call.request for e in sample.events if e.event == "model" and e.call is not None]
    assert bool(request.get("stream")) is streaming
