"""Continuous batching over llama.cpp's C API, for the embedded model, with prompt prefixes
kept in the KV cache.

A mas answer is seven perspective calls at once. `BatchedLlama` owns one model and one context
(a KV cache of `n_ctx` cells that every sequence draws from) and a worker thread that:

- admits waiting calls while a sequence slot and enough cells for prompt and answer are free
  (so a running call never runs out of cache),
- keeps each system prompt it has seen resident under a sequence of its own, and shares those
  cells with every later call that opens with it: a perspective agent's persona is prefilled
  once, not once per question (on a small CPU, prompt tokens cost about what answer tokens do),
- decodes the new prompts and the last token of every running call in one `llama_decode`,
- samples each call's next token with its own sampler chain (penalties, top-k, top-p, min-p,
  temperature, seed, optional grammar), streams the text, and stops on end-of-generation, a stop
  string, its max tokens, or cancellation, then frees its cells.

A single call is simply a batch of one, so there is one way through for every local call.
"""

from __future__ import annotations

import codecs
import ctypes
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from multiplex.errors import ConfigError, ContextOverflow, InvalidRequest

try:
    import llama_cpp
    from llama_cpp import _internals as internals
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter
except ImportError:  # without the [local] extra: the types load, and BatchedLlama says what is missing
    llama_cpp = None  # type: ignore[assignment]

NEEDS_EXTRA = "the embedded model (local/) needs the [local] extra: pip install 'multiplex[local]'"

log = logging.getLogger(__name__)
DEFAULT_SEED = 0xFFFFFFFF  # llama.cpp: a random seed
_NO_ROOM = "the local model's context has no room for this prompt (MULTIPLEX_LOCAL_N_CTX)"
ANSWER_RESERVE = 16  # the least room a prompt must leave for an answer
CACHED_PREFIXES = 16  # system prompts kept resident
MIN_PREFIX = 32  # shorter prefixes are not worth a slot


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
    cached_tokens: int = 0  # prompt tokens whose cells came from the prefix cache


@dataclass(eq=False)
class Prefix:
    """A system prompt's cells, resident under a sequence of their own."""

    tokens: tuple[int, ...]
    seq: int
    users: int = 0
    ready: bool = False  # its cells are written (by the prefill of the call that brought it)


@dataclass(eq=False)
class Job:
    prompt: list[int]
    max_tokens: int
    sampling: Sampling
    stop: tuple[str, ...]
    on_text: Callable[[str], None]  # called on the worker thread
    on_done: Callable[[Result], None]  # called on the worker thread, once
    prefix: int = 0  # how many tokens of `prompt` later calls may share (its system message)
    cancelled: threading.Event = field(default_factory=threading.Event)
    # worker state
    seq: int = -1
    shared: Prefix | None = None
    reused: int = 0  # prompt tokens whose cells came from the prefix cache
    pos: int = 0
    generated: int = 0
    last_token: int = -1
    logits_index: int = -1
    sampler: Any = None
    decoder: Any = field(default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace"))
    held: str = ""  # text not yet sent: it may be the start of a stop string
    text_tail: str = ""

    @property
    def own_cells(self) -> int:
        """Cells this call takes beyond the shared prefix: its prompt's tail and its answer."""
        shared = len(self.shared.tokens) if self.shared is not None else 0
        return len(self.prompt) - shared + self.max_tokens


class BatchedLlama:
    def __init__(self, model_path: str, n_ctx: int, threads: int, parallel: int) -> None:
        if llama_cpp is None:
            raise ConfigError(NEEDS_EXTRA)
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
        params.n_seq_max = parallel + CACHED_PREFIXES
        params.n_threads = threads
        params.n_threads_batch = threads
        params.kv_unified = True  # one pool of cells, which sequences may share
        self.context = internals.LlamaContext(model=self.model, params=params, verbose=False)
        self.n_ctx = n_ctx
        self.parallel = parallel
        self.vocab = self.model.vocab
        self.n_vocab = self.model.n_vocab()
        self._memory = llama_cpp.llama_get_memory(self.context.ctx)
        self._batch = llama_cpp.llama_batch_init(n_ctx, 0, 2)
        self._formatter, self._system_formatter = self._chat_formatters()
        self._waiting: deque[Job] = deque()
        self._running: list[Job] = []
        self._free_seqs = list(range(parallel))
        self._prefixes: OrderedDict[tuple[int, ...], Prefix] = OrderedDict()
        self._free_prefix_seqs = list(range(parallel, parallel + CACHED_PREFIXES))
        self._wake = threading.Condition()
        self._closed = False
        self._postponed = False
        self.progress_at = time.monotonic()  # the end of the last decode: the model is working
        self._worker = threading.Thread(target=self._loop, name="llama-batch", daemon=True)
        self._worker.start()

    # preparing a call (any thread) ------------------------------------------------------------
    def _chat_formatters(self) -> tuple[Jinja2ChatFormatter, Jinja2ChatFormatter]:
        template = self.model.metadata().get("tokenizer.chat_template")
        if not template:
            raise ContextOverflow("the local model has no chat template")  # pragma: no cover

        def text(token: int) -> str:
            return self.model.token_get_text(token) if token >= 0 else ""

        eos, bos = text(self.model.token_eos()), text(self.model.token_bos())
        return (
            Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos),
            Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos, add_generation_prompt=False),
        )

    def _tokens(self, text: str) -> list[int]:
        return self.model.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def chat_tokens(self, messages: list[dict[str, str]]) -> tuple[list[int], int]:
        """The prompt of a chat through the model's own template, and how many of its tokens are
        the system message (a prefix later calls may share). A final assistant message is
        continued, not answered: its text opens the reply."""
        opening = ""
        if messages and messages[-1]["role"] == "assistant":
            opening, messages = messages[-1]["content"], messages[:-1]
        prompt = self._tokens(self._formatter(messages=messages).prompt + opening)  # type: ignore[arg-type]
        prefix = 0
        if messages and messages[0]["role"] == "system":
            system = self._tokens(self._system_formatter(messages=messages[:1]).prompt)  # type: ignore[arg-type]
            if len(system) < len(prompt) and prompt[: len(system)] == system:
                prefix = len(system)
        return prompt, prefix

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

    def _cells_in_use(self, admitted: list[Job] | None = None) -> int:
        """Cells held by cached prefixes, and reserved by running calls and those just admitted."""
        calls = [*self._running, *(admitted or [])]
        return sum(len(p.tokens) for p in self._prefixes.values()) + sum(j.own_cells for j in calls)

    def _drop(self, prefix: Prefix) -> None:
        del self._prefixes[prefix.tokens]
        llama_cpp.llama_memory_seq_rm(self._memory, prefix.seq, -1, -1)
        self._free_prefix_seqs.append(prefix.seq)

    def _make_room(self, cells: int, admitted: list[Job]) -> bool:
        """Drop cached prefixes nobody is using, oldest first, until `cells` more fit."""
        for prefix in [p for p in self._prefixes.values() if p.users == 0]:
            if self._cells_in_use(admitted) + cells <= self.n_ctx:
                break
            self._drop(prefix)
        return self._cells_in_use(admitted) + cells <= self.n_ctx

    def _new_prefix(self, key: tuple[int, ...]) -> Prefix | None:
        if not self._free_prefix_seqs:
            idle = next((p for p in self._prefixes.values() if p.users == 0), None)
            if idle is None:
                return None
            self._drop(idle)
        prefix = Prefix(key, self._free_prefix_seqs.pop())
        self._prefixes[key] = prefix
        return prefix

    def _admit(self) -> list[Job]:
        if self._postponed:  # llama.cpp found no room a moment ago: wait for a running call to end
            return []
        admitted: list[Job] = []
        batch_tokens = len(self._running)
        while self._waiting and self._free_seqs:
            job = self._waiting[0]
            key = tuple(job.prompt[: job.prefix]) if job.prefix >= MIN_PREFIX else None
            cached = self._prefixes.get(key) if key else None
            job.shared = cached if cached is not None and cached.ready else None
            if job.shared is not None:
                job.shared.users += 1  # pinned: making room must not drop the prefix this call shares
            if not self._make_room(job.own_cells, admitted) or batch_tokens + len(job.prompt) > self.n_ctx:
                if job.shared is not None:
                    job.shared.users -= 1
                job.shared = None
                break
            self._waiting.popleft()
            try:
                job.sampler = self._sampler(job.sampling)
            except InvalidRequest as exc:  # this call fails, the worker and the queue go on
                if job.shared is not None:
                    job.shared.users -= 1
                job.shared = None
                job.on_done(Result(0, len(job.prompt), "stop", exc))
                continue
            job.seq = self._free_seqs.pop()
            if key is not None and cached is None:
                job.shared = self._new_prefix(key)  # written by this call's prefill
                if job.shared is not None:
                    job.shared.users += 1
            if job.shared is not None:
                self._prefixes.move_to_end(job.shared.tokens)
            batch_tokens += len(job.prompt)
            admitted.append(job)
        return admitted

    def _sampler(self, s: Sampling) -> Any:
        chain = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
        add = llama_cpp.llama_sampler_chain_add
        if s.grammar:
            grammar = llama_cpp.llama_sampler_init_grammar(self.vocab, s.grammar.encode(), b"root")
            if not grammar:
                llama_cpp.llama_sampler_free(chain)
                raise InvalidRequest(
                    "the local model cannot hold its answer to this response_format: its grammar did not compile",
                    param="response_format",
                )
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

    def _put(self, token: int, pos: int, seqs: tuple[int, ...], logits: bool) -> int:
        batch = self._batch
        i = batch.n_tokens
        batch.token[i] = token
        batch.pos[i] = pos
        batch.n_seq_id[i] = len(seqs)
        for k, seq in enumerate(seqs):
            batch.seq_id[i][k] = seq
        batch.logits[i] = logits
        batch.n_tokens = i + 1
        return i

    def _prefill(self, job: Job) -> None:
        start, shared = 0, job.shared
        if shared is not None and shared.ready:  # cached: share its cells, prefill the rest
            llama_cpp.llama_memory_seq_cp(self._memory, shared.seq, job.seq, -1, -1)
            start = job.reused = len(shared.tokens)
        elif shared is not None:  # caching it now: its tokens belong to the cache's sequence too
            for pos in range(len(shared.tokens)):
                self._put(job.prompt[pos], pos, (job.seq, shared.seq), False)
            shared.ready = True
            start = len(shared.tokens)
        last = len(job.prompt) - 1
        for pos in range(start, len(job.prompt)):
            index = self._put(job.prompt[pos], pos, (job.seq,), pos == last)
        job.pos, job.logits_index = len(job.prompt), index

    def _decode(self) -> int:
        status = llama_cpp.llama_decode(self.context.ctx, self._batch) if self._batch.n_tokens else 0
        if status not in (0, 1):
            raise RuntimeError(f"llama_decode failed ({status})")
        self.progress_at = time.monotonic()
        return int(status)

    def _step(self, admitted: list[Job]) -> None:
        # The running calls' next tokens first, then the new prompts in a decode of their own: when
        # llama.cpp finds no room for the prompts (1), they wait, and the running calls go on.
        # Each decode's logits are sampled before the next decode replaces them.
        running = list(self._running)
        self._batch.n_tokens = 0
        for job in running:
            job.logits_index = self._put(job.last_token, job.pos, (job.seq,), True)
            job.pos += 1
        if self._decode():
            raise RuntimeError("llama_decode found no cache cells for the running calls")
        self._sample(running)
        if admitted:
            self._batch.n_tokens = 0
            for job in admitted:
                self._prefill(job)
            if self._decode():
                self._postpone(admitted)
                return
            self._running.extend(admitted)
            self._sample(admitted)

    def _sample(self, jobs: list[Job]) -> None:
        for job in jobs:
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

    def _postpone(self, jobs: list[Job]) -> None:
        """Back to the head of the queue, as they were, until running calls free some cells; with
        nothing running they can never fit, and fail."""
        log.info("local model: no cache room for %d new prompt(s); %d running", len(jobs), len(self._running))
        for job in reversed(jobs):
            llama_cpp.llama_memory_seq_rm(self._memory, job.seq, -1, -1)
            self._free_seqs.append(job.seq)
            job.seq = -1
            if job.shared is not None:
                job.shared.users -= 1
                if job.reused == 0 and job.shared.tokens in self._prefixes:
                    self._drop(job.shared)  # it was to be written by this prefill
                job.shared, job.reused = None, 0
            llama_cpp.llama_sampler_free(job.sampler)
            job.sampler = None
            if not self._running:
                job.on_done(Result(0, len(job.prompt), "stop", ContextOverflow(_NO_ROOM)))
                continue
            with self._wake:
                self._waiting.appendleft(job)
        self._postponed = bool(self._running)

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
            self._postponed = False  # cells are freed: postponed prompts may fit now
        if job.seq >= 0:
            llama_cpp.llama_memory_seq_rm(self._memory, job.seq, -1, -1)
            self._free_seqs.append(job.seq)
            job.seq = -1
        if job.shared is not None:
            job.shared.users -= 1
            if error is not None and job.shared.users == 0 and job.shared.tokens in self._prefixes:
                self._drop(job.shared)  # a failed decode may have left its cells half written
            job.shared = None
        if job.sampler is not None:
            llama_cpp.llama_sampler_free(job.sampler)
            job.sampler = None
        if error is None:
            rest = job.held + job.decoder.decode(b"", final=True)
            if rest:
                job.on_text(rest)
        job.held = ""
        job.on_done(Result(job.generated, len(job.prompt), reason, error, job.reused))


def _overlap(text: str, stop: str) -> int:
    """The length of the longest end of `text` that begins `stop`."""
    for n in range(min(len(text), len(stop) - 1), 0, -1):
        if stop.startswith(text[-n:]):
            return n
    return 0
