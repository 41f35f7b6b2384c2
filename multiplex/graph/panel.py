"""A mas run's perspective agents as a group: once the quorum has answered, the others have
MULTIPLEX_STRAGGLER_GRACE_S more, or as long again as the quorum took if that is longer (the
embedded model decodes every draft in one batch, so on a slow machine all are slow alike and none
is a straggler); then their calls are cancelled (the embedded model stops
decoding them, which frees its batch) and they are reported as answered too late. No slow voice
holds the answer beyond that."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable
from typing import TypeVar

from multiplex.errors import AnsweredLate

T = TypeVar("T")


class Panel:
    def __init__(self, size: int, quorum: float, grace_s: float | None) -> None:
        self.needed = max(1, math.ceil(quorum * size))
        self.grace_s = grace_s
        self.answered = 0
        self._late = asyncio.Event()
        self._started = time.monotonic()

    def answered_one(self) -> None:
        self.answered += 1
        if self.answered == self.needed and self.grace_s is not None:
            self.grace_s = max(self.grace_s, time.monotonic() - self._started)
            asyncio.get_running_loop().call_later(self.grace_s, self._late.set)

    async def in_time(self, work: Awaitable[T]) -> T:
        """`work`'s result, or AnsweredLate once the grace after the quorum has run out."""
        task = asyncio.ensure_future(work)
        late = asyncio.ensure_future(self._late.wait())
        try:
            await asyncio.wait({task, late}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            late.cancel()
            if not task.done():
                task.cancel()
                await asyncio.wait({task})  # let the cancellation reach the model call
        if task.cancelled():
            raise AnsweredLate(
                f"did not answer within {self.grace_s:g} s of the quorum ({self.needed} of the panel) answering"
            )
        return task.result()
