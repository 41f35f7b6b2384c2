"""A streamed call read off the wire (`multiplex.llm.stream`) says what litellm's stream wrapper
says, fails as the provider fails, and never leaves the provider's stream open."""

from __future__ import annotations

import asyncio

import litellm
import pytest
from litellm.integrations.custom_logger import CustomLogger
from litellm.litellm_core_utils.streaming_handler import CustomStreamWrapper

from multiplex.errors import UpstreamError
from multiplex.llm import LLM
from multiplex.llm.types import CallTag, GenerationParams
from multiplex.settings import load_settings
from tests.conftest import wait_until
from tests.upstream import Reply

MODEL = "openai/loopback-model"
ASK = [{"role": "user", "content": "What do we owe our parents?"}]
TEXT = "Duty runs both ways. A child owes care, and a parent owes it first."


async def streamed(max_tokens: int | None = None) -> tuple[list[str], object]:
    tokens: list[str] = []

    async def take(token: str) -> None:
        tokens.append(token)

    llm = LLM(load_settings(retries=0))
    done = await llm.generate(MODEL, ASK, GenerationParams(max_tokens=max_tokens), CallTag("baseline"), on_token=take)
    return tokens, done


@pytest.fixture
def wrapper_chunks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many chunks litellm's stream wrapper rebuilt."""
    for registry in ("callbacks", "success_callback", "_async_success_callback", "failure_callback"):
        monkeypatch.setattr(litellm, registry, list(getattr(litellm, registry)))  # litellm copies callbacks around
    rebuilt = [0]
    original = CustomStreamWrapper.chunk_creator

    def counted(self, chunk):  # type: ignore[no-untyped-def]
        rebuilt[0] += 1
        return original(self, chunk)

    monkeypatch.setattr(CustomStreamWrapper, "chunk_creator", counted)
    return rebuilt


@pytest.mark.parametrize("max_tokens", [None, 4])
async def test_read_off_the_wire_as_litellm_reads_it(upstream, monkeypatch, wrapper_chunks, max_tokens) -> None:
    upstream.default = Reply(text=TEXT)
    tokens, done = await streamed(max_tokens)
    assert wrapper_chunks[0] == 0  # no litellm callback configured: litellm's per-chunk rebuild is skipped
    litellm.callbacks.append(CustomLogger())  # a user's callback reads litellm's bookkeeping
    tokens_litellm, done_litellm = await streamed(max_tokens)
    assert wrapper_chunks[0] > 0
    assert tokens == tokens_litellm and done == done_litellm
    assert "".join(tokens) == (TEXT if max_tokens is None else "Duty runs both ways. ")  # the upstream's 4 words
    assert done.finish_reason == ("stop" if max_tokens is None else "length")
    assert done.usage.completion_tokens == len(tokens) and done.usage.prompt_tokens > 0


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (Reply(text=TEXT, error_after=3), "loopback upstream failed mid-stream"),
        (Reply(text=TEXT, bad_chunk_after=3), "not a JSON object"),
        (Reply(text=TEXT, cut_after=3), "broke off mid-way"),
    ],
)
async def test_a_stream_that_fails_midway_is_the_providers_failure(upstream, reply, said) -> None:
    upstream.script(reply)
    with pytest.raises(UpstreamError, match=said):
        await streamed()


async def test_a_stream_given_up_midway_is_closed(upstream) -> None:
    upstream.default = Reply(text=TEXT, tokens_per_s=50)
    call = asyncio.ensure_future(streamed())
    await asyncio.sleep(0.2)
    assert upstream.open_streams == 1
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    await asyncio.to_thread(wait_until, lambda: upstream.open_streams == 0, 5)
