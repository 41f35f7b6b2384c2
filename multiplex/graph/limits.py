"""The client's limits on the answer it reads: `stop` (the text ends before the first stop
sequence) and, in mas, where multiplex composes the answer from several calls, `max_tokens`
(counted with cl100k). Streamed or not, the answer is cut the same way, and `finish_reason` says
why it ended. The drafts behind a mas answer have budgets of their own, and no stop sequence."""

from __future__ import annotations

from multiplex.llm import tokens


class AnswerLimits:
    def __init__(self, stop: tuple[str, ...] | None, max_tokens: int | None) -> None:
        self.stop = [s for s in stop or () if s]
        self.max_tokens = max_tokens
        self.sent = ""  # what went out so far
        self._held = ""  # the tail that may be the start of a stop sequence
        self.reason: str | None = None  # "stop" or "length" once the answer was cut

    def feed(self, text: str) -> str:
        """The part of `text` the client may read now."""
        if self.reason is not None:
            return ""
        pending = self._held + text
        for stop in self.stop:
            at = pending.find(stop)
            if at >= 0:  # the answer ends here, unless its budget ends it first
                self._held = ""
                head = self._budget(pending[:at])
                self.reason = self.reason or "stop"
                return head
        keep = max((len(s) - 1 for s in self.stop), default=0)
        ready, self._held = (pending[: len(pending) - keep], pending[len(pending) - keep :]) if keep else (pending, "")
        return self._budget(ready)

    def close(self) -> str:
        """What was held back, when the answer ends without a stop sequence in it."""
        rest, self._held = self._held, ""
        return "" if self.reason is not None else self._budget(rest)

    def _budget(self, text: str) -> str:
        if self.max_tokens is None or not text:
            self.sent += text
            return text
        left = self.max_tokens - tokens.count(self.sent)
        if left <= 0:
            self.reason = self.reason or "length"
            return ""
        if tokens.count(text) > left:
            text = tokens.head(text, left)
            self.reason = self.reason or "length"
        self.sent += text
        return text

    def whole(self, text: str) -> str:
        """The whole answer, cut as its stream would have been."""
        return self.feed(text) + self.close()
