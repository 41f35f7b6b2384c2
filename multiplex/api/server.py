"""How `multiplex serve` runs the app under uvicorn, for real clients and real faults:

- its listening socket names the TCP protocol, so that asyncio sets TCP_NODELAY on every accepted
  connection (with protocol 0 it does not, and each request after the first on a kept connection
  waits about 40 ms for the client's delayed ACK);
- a connection that has not sent its request's headers within MULTIPLEX_HEADER_TIMEOUT_S is
  closed, and connections beyond MULTIPLEX_MAX_CONNECTIONS (by default below the process's file
  limit) are refused at once: a crowd of slow clients cannot use up the files the service needs;
  what was refused or closed is logged once a minute, never once per connection;
- on SIGTERM it stops accepting, lets runs in flight finish for MULTIPLEX_DRAIN_S, then ends
  every stream still open with an error frame and `[DONE]` (and answers a waiting plain request
  with a 503): below the 30 s Kubernetes gives a pod (deploy/k8s sets it), so no stream is cut
  without a word.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import math
import os
import resource
import socket
import time
import weakref
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from multiplex.errors import ShuttingDown
from multiplex.settings import Settings

log = logging.getLogger("multiplex.server")
T = TypeVar("T")
REPORT_EVERY_S = 60.0
FILES_KEPT = 128  # files the process keeps for itself at the file limit: models, Redis, upstreams, logs


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, made with the TCP protocol named (see the module's docstring).
    Raises OSError when there cannot be one."""
    info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)[0]
    sock = socket.socket(info[0], socket.SOCK_STREAM, info[2])
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(info[4])
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def connection_cap(configured: int | None) -> int:
    """MULTIPLEX_MAX_CONNECTIONS, within what the file limit leaves: the files open now and
    FILES_KEPT more for the process itself (and for connections accepted in one burst)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return configured or 65536
    try:
        open_now = len(os.listdir("/proc/self/fd"))
    except OSError:
        open_now = 64
    below = max(16, soft - open_now - FILES_KEPT)
    return min(configured, below) if configured else below


class Drain:
    """The shutdown's drain: when it began, and an event set once its time is up."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.began: float | None = None
        self._over = False
        self._events: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Event] = weakref.WeakKeyDictionary()

    @property
    def expired(self) -> asyncio.Event:
        """Set once the drain's time is up: one event per event loop (an app may outlive a loop)."""
        loop = asyncio.get_running_loop()
        if loop not in self._events:
            self._events[loop] = asyncio.Event()
            if self._over:
                self._events[loop].set()
        return self._events[loop]

    def begin(self) -> None:
        if self.began is not None:
            return
        self.began = time.monotonic()
        log.info("shutting down: runs in flight have %g s to finish", self.seconds)
        asyncio.get_running_loop().call_later(self.seconds, self._expire)

    def _expire(self) -> None:
        self._over = True
        for event in self._events.values():
            event.set()

    async def within(self, work: Awaitable[T]) -> T:
        """`work`'s result, or ShuttingDown (the work cancelled) once the drain's time is up."""
        task = asyncio.ensure_future(work)
        expiry = asyncio.ensure_future(self.expired.wait())
        try:
            await asyncio.wait({task, expiry}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            expiry.cancel()
            if not task.done():
                task.cancel()
                await asyncio.wait({task})
        if self.expired.is_set() and task.cancelled():
            raise self.error()
        return task.result()

    def error(self) -> ShuttingDown:
        return ShuttingDown(
            f"the server is shutting down and could not finish this run within {self.seconds:g} s "
            "(MULTIPLEX_DRAIN_S); ask again"
        )


@dataclass
class Gate:
    """The connection limits, shared by every connection, and their report: the first connection
    refused or closed is logged at once, the rest together once a minute."""

    cap: int
    header_timeout_s: float
    refused: int = 0
    slow: int = 0
    starved: int = 0  # accepts that failed: no file left for them
    _pending: bool = False
    _quiet_until: float = 0.0

    def count(self, refused: int = 0, slow: int = 0, starved: int = 0) -> None:
        self.refused += refused
        self.slow += slow
        self.starved += starved
        if time.monotonic() >= self._quiet_until:
            self.report()
        elif not self._pending:
            self._pending = True
            asyncio.get_running_loop().call_at(self._quiet_until, self.report)

    def report(self) -> None:
        self._pending = False
        if self.refused or self.slow or self.starved:
            log.warning(
                "%d connections refused at the cap of %d (MULTIPLEX_MAX_CONNECTIONS), %d closed for not "
                "sending their headers within %g s (MULTIPLEX_HEADER_TIMEOUT_S), %d not accepted for want of files",
                self.refused,
                self.cap,
                self.slow,
                self.header_timeout_s,
                self.starved,
            )
            self.refused = self.slow = self.starved = 0
            self._quiet_until = time.monotonic() + REPORT_EVERY_S


class GatedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on the request's headers and a cap on connections."""

    def __init__(self, *args: Any, gate: Gate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = gate
        self.refusing = False
        self._deadline: asyncio.TimerHandle | None = None
        self._waiting_for: object = None  # the cycle before the request whose headers are awaited

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.gate.cap:
            self.refusing = True
            self.gate.count(refused=1)
            transport.abort()
            return
        super().connection_made(transport)
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        if not self.refusing:
            super().data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.refusing:
            return
        self._stop_waiting()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self._deadline is not None and self.cycle is not self._waiting_for:
            self._stop_waiting()  # the headers are in: the request runs

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self._deadline is None:
            self._await_headers()  # the next request on this connection has the same deadline

    def _await_headers(self) -> None:
        self._waiting_for = self.cycle
        self._deadline = self.loop.call_later(self.gate.header_timeout_s, self._headers_late)

    def _stop_waiting(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_late(self) -> None:
        self._deadline = None
        if self.cycle is self._waiting_for and not self.transport.is_closing():
            self.gate.count(slow=1)
            self.transport.close()


class Server(uvicorn.Server):
    """uvicorn's server, which begins the app's drain when told to exit, and counts (never logs one
    by one) the accepts asyncio cannot make for want of files."""

    def __init__(self, config: uvicorn.Config, drain: Drain, gate: Gate) -> None:
        super().__init__(config)
        self.drain = drain
        self.gate = gate

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        loop = asyncio.get_running_loop()

        def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            if context.get("message") == "socket.accept() out of system resource":
                self.gate.count(starved=1)  # asyncio retries the accept a second later
                return
            loop.default_exception_handler(context)

        loop.set_exception_handler(handle)
        await super().startup(sockets)

    def handle_exit(self, sig: int, frame: Any) -> None:
        try:
            asyncio.get_running_loop().call_soon_threadsafe(self.drain.begin)
        except RuntimeError:  # no loop yet: nothing to drain
            pass
        super().handle_exit(sig, frame)


def serve(app: Any, settings: Settings, sock: socket.socket) -> None:
    """Run `app` on `sock` until SIGTERM or SIGINT, with the limits above."""
    gate = Gate(connection_cap(settings.max_connections), settings.header_timeout_s)
    config = uvicorn.Config(
        app,
        http=functools.partial(GatedH11Protocol, gate=gate),  # type: ignore[arg-type]
        log_level=settings.log_level,
        access_log=False,
        timeout_graceful_shutdown=math.ceil(settings.drain_s) + 5,  # a last resort: the drain ends every stream first
    )
    # What start-up made (litellm's model map, the sources, the schemas: some 550,000 objects) lives
    # as long as the process; left to the collector, every full collection walks it all, a stall of
    # the event loop of 0.3 s under eight streams (tests/benchmarks/streaming_cost.py).
    gc.collect()
    gc.freeze()
    Server(config, app.state.services.drain, gate).run(sockets=[sock])
