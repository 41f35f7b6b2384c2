"""Continuous batching over llama.cpp's C API, for the embedded model.

A mas answer is seven perspective calls at once. Run one after another on one llama.cpp context
they cost seven times one call; decoded together, one token of every sequence per `llama_decode`,
they share each pass over the weights. `BatchedLlama` owns one model and one context (a KV cache
of `n_ctx` cells shared by up to `parallel` sequences) and a worker thread that:

- admits waiting jobs while a sequence slot and enough cells for prompt + answer are free
  (so a running job never runs out of cache),
- decodes the new prompts and the last token of every running job in one batch,
- samples each job's next token with its own sampler chain (penalties, top-k, top-p, min-p,
  temperature, seed, optional grammar), streams the text and stops on end-of-generation, a stop
  string, its max tokens, or cancellation, then frees its cells.

A single call is simply a batch of one, so there is one way through for every local call.
"""

from __future__ import annotations

import codecs
import ctypes
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import llama_cpp
from llama_cpp import _internals as internals
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from multiplex.errors import ContextOverflow

DEFAULT_SEED = 0xFFFFFFFF  # llama.cpp: a random seed
ANSWER_RESERVE = 16  # the least room a prompt must leave for an answer


@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.3
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    penalty_last_n: int = 64
    seed: int | None = None
    grammar: str | None = None  # GBNF, root rule "root"


@dataclass
class Result:
    completion_tokens: int
    prompt_tokens: int
    finish_reason: str  # stop | length
    error: BaseException | None = None


@dataclass(eq=False)
class Job:
    prompt: list[int]
    max_tokens: int
    sampling: Sampling
    stop: tuple[str, ...]
    on_text: Callable[[str], None]  # called on the worker thread
    on_done: Callable[[Result], None]  # called on the worker thread, once
    cancelled: threading.Event = field(default_factory=threading.Event)
    # worker state
    seq: int = -1
    pos: int = 0
    generated: int = 0
    last_token: int = -1
    logits_index: int = -1
    sampler: Any = None
    decoder: Any = field(default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace"))
    held: str = ""  # text not yet sent: it may be the start of a stop string
    text_tail: str = ""

    @property
    def reserved(self) -> int:
        return len(self.prompt) + self.max_tokens


class BatchedLlama:
    def __init__(self, model_path: str, n_ctx: int, threads: int, parallel: int) -> None:
        from llama_cpp import _logger

        _logger.set_verbose(False)  # llama.cpp logs every tensor at load otherwise
        llama_cpp.llama_backend_init()
        self.model = internals.LlamaModel(
            path_model=model_path, params=llama_cpp.llama_model_default_params(), verbose=False
        )
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = n_ctx
        params.n_batch = n_ctx
        params.n_ubatch = min(512, n_ctx)
        params.n_seq_max = parallel
        params.n_threads = threads
        params.n_threads_batch = threads
        params.kv_unified = True  # one pool of cells that any sequence may use
        self.context = internals.LlamaContext(model=self.model, params=params, verbose=False)
        self.n_ctx = n_ctx
        self.parallel = parallel
        self.vocab = self.model.vocab
        self.n_vocab = self.model.n_vocab()
        self._memory = llama_cpp.llama_get_memory(self.context.ctx)
        self._batch = llama_cpp.llama_batch_init(n_ctx, 0, parallel)
        self._formatter = self._chat_formatter()
        self._waiting: deque[Job] = deque()
        self._running: list[Job] = []
        self._free_seqs = list(range(parallel))
        self._wake = threading.Condition()
        self._closed = False
        self._worker = threading.Thread(target=self._loop, name="llama-batch", daemon=True)
        self._worker.start()

    # preparing a call (any thread) ------------------------------------------------------------
    def _chat_formatter(self) -> Jinja2ChatFormatter:
        metadata = self.model.metadata()
        template = metadata.get("tokenizer.chat_template")
        if not template:
            raise ContextOverflow("the local model has no chat template")  # pragma: no cover

        def text(token: int) -> str:
            return self.model.token_get_text(token) if token >= 0 else ""

        return Jinja2ChatFormatter(
            template=template, eos_token=text(self.model.token_eos()), bos_token=text(self.model.token_bos())
        )

    def chat_tokens(self, messages: list[dict[str, str]]) -> list[int]:
        """The prompt of a chat, through the model's own template. A final assistant message is
        continued, not answered: its text opens the reply."""
        opening = ""
        if messages and messages[-1]["role"] == "assistant":
            opening, messages = messages[-1]["content"], messages[:-1]
        prompt = self._formatter(messages=messages).prompt + opening  # type: ignore[arg-type]
        return self.model.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)

    def fit(self, prompt_tokens: int, wanted: int | None) -> int:
        """The max tokens a prompt leaves room for, or a clear error when it leaves none."""
        room = self.n_ctx - prompt_tokens
        if room < ANSWER_RESERVE:
            raise ContextOverflow(
                f"the prompt is {prompt_tokens} tokens and the local model's context is {self.n_ctx} "
                f"(MULTIPLEX_LOCAL_N_CTX): shorten the conversation or raise the context"
            )
        return min(wanted or room, room)

    def submit(self, job: Job) -> None:
        with self._wake:
            if self._closed:
                raise RuntimeError("the local model is closed")
            self._waiting.append(job)
            self._wake.notify()

    def cancel(self, job: Job) -> None:
        job.cancelled.set()
        with self._wake:
            self._wake.notify()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._worker.join(timeout=10)
        llama_cpp.llama_batch_free(self._batch)
        self.context.close()
        self.model.close()

    # the worker -------------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._closed and not self._waiting and not self._running:
                    self._wake.wait()
                if self._closed:
                    for job in [*self._waiting, *self._running]:
                        self._finish(job, "stop", RuntimeError("the local model was closed"))
                    return
                for job in [j for j in self._waiting if j.cancelled.is_set()]:
                    self._waiting.remove(job)
                    job.on_done(Result(0, len(job.prompt), "stop"))
                admitted = self._admit()
            try:
                self._step(admitted)
            except Exception as exc:  # a failed decode fails every job in it, not the worker
                for job in {*admitted, *self._running}:
                    self._finish(job, "stop", exc)

    def _admit(self) -> list[Job]:
        used = sum(j.reserved for j in self._running)
        batch_tokens = len(self._running)
        admitted: list[Job] = []
        while self._waiting and self._free_seqs:
            job = self._waiting[0]
            if used + job.reserved > self.n_ctx or batch_tokens + len(job.prompt) > self.n_ctx:
                break
            self._waiting.popleft()
            job.seq = self._free_seqs.pop()
            job.sampler = self._sampler(job.sampling)
            used += job.reserved
            batch_tokens += len(job.prompt)
            admitted.append(job)
        return admitted

    def _sampler(self, s: Sampling) -> Any:
        chain = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
        add = llama_cpp.llama_sampler_chain_add
        if s.grammar:
            grammar = llama_cpp.llama_sampler_init_grammar(self.vocab, s.grammar.encode(), b"root")
            if not grammar:
                raise ValueError("the grammar of the requested response format did not compile")
            add(chain, grammar)
        add(chain, llama_cpp.llama_sampler_init_penalties(self.n_vocab, s.penalty_last_n, s.repeat_penalty, 0.0, 0.0))
        if s.temperature <= 0:
            add(chain, llama_cpp.llama_sampler_init_greedy())
            return chain
        add(chain, llama_cpp.llama_sampler_init_top_k(s.top_k))
        add(chain, llama_cpp.llama_sampler_init_top_p(s.top_p, 1))
        add(chain, llama_cpp.llama_sampler_init_min_p(s.min_p, 1))
        add(chain, llama_cpp.llama_sampler_init_temp(s.temperature))
        add(chain, llama_cpp.llama_sampler_init_dist(DEFAULT_SEED if s.seed is None else s.seed & 0xFFFFFFFF))
        return chain

    def _put(self, token: int, pos: int, seq: int, logits: bool) -> int:
        batch = self._batch
        i = batch.n_tokens
        batch.token[i] = token
        batch.pos[i] = pos
        batch.n_seq_id[i] = 1
        batch.seq_id[i][0] = seq
        batch.logits[i] = logits
        batch.n_tokens = i + 1
        return i

    def _step(self, admitted: list[Job]) -> None:
        self._batch.n_tokens = 0
        for job in admitted:
            for offset, token in enumerate(job.prompt):
                index = self._put(token, offset, job.seq, offset == len(job.prompt) - 1)
            job.pos, job.logits_index = len(job.prompt), index
            self._running.append(job)
        for job in self._running:
            if job not in admitted:
                job.logits_index = self._put(job.last_token, job.pos, job.seq, True)
                job.pos += 1
        if self._batch.n_tokens:
            status = llama_cpp.llama_decode(self.context.ctx, self._batch)
            if status != 0:
                raise RuntimeError(f"llama_decode failed ({status})")
        for job in list(self._running):
            if job.cancelled.is_set():
                self._finish(job, "stop")
                continue
            token = llama_cpp.llama_sampler_sample(job.sampler, self.context.ctx, job.logits_index)
            if llama_cpp.llama_vocab_is_eog(self.vocab, token):
                self._finish(job, "stop")
                continue
            job.generated += 1
            job.last_token = token
            if self._emit(job, self._piece(token)):
                self._finish(job, "stop")
            elif job.generated >= job.max_tokens:
                self._finish(job, "length")

    def _piece(self, token: int) -> bytes:
        buffer = ctypes.create_string_buffer(64)
        n = llama_cpp.llama_token_to_piece(self.vocab, token, buffer, 64, 0, False)
        return buffer.raw[: max(n, 0)]

    def _emit(self, job: Job, piece: bytes) -> bool:
        """Send what is safe to send; True when a stop string was reached."""
        text = job.held + job.decoder.decode(piece)
        if job.stop:
            window = job.text_tail + text
            for stop in job.stop:
                at = window.find(stop)
                if at >= 0:
                    cut = at - len(job.text_tail)
                    if cut > 0:
                        job.on_text(text[:cut])
                    job.held = ""
                    return True
            keep = max((_overlap(text, stop) for stop in job.stop), default=0)
            sendable, job.held = text[: len(text) - keep], text[len(text) - keep :]
            job.text_tail = (job.text_tail + sendable)[-max(len(s) for s in job.stop) :]
        else:
            sendable = text
        if sendable:
            job.on_text(sendable)
        return False

    def _finish(self, job: Job, reason: str, error: BaseException | None = None) -> None:
        if job in self._running:
            self._running.remove(job)
        if job.seq >= 0:
            llama_cpp.llama_memory_seq_rm(self._memory, job.seq, -1, -1)
            self._free_seqs.append(job.seq)
            job.seq = -1
        if job.sampler is not None:
            llama_cpp.llama_sampler_free(job.sampler)
            job.sampler = None
        if error is None:
            rest = job.held + job.decoder.decode(b"", final=True)
            if rest:
                job.on_text(rest)
        job.held = ""
        job.on_done(Result(job.generated, len(job.prompt), reason, error))


def _overlap(text: str, stop: str) -> int:
    """The length of the longest end of `text` that begins `stop`."""
    for n in range(min(len(text), len(stop) - 1), 0, -1):
        if stop.startswith(text[-n:]):
            return n
    return 0
