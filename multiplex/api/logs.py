"""The service's log lines: text or one JSON object per line (MULTIPLEX_LOG_FORMAT), each with the
request id, and at debug level what each request asked for."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from pydantic import BaseModel

from multiplex.api.middleware import RequestIdFilter

TEXT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
log = logging.getLogger("multiplex.api")


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def escaped(text: str) -> str:
    """`text` with its control characters written out (`\\n`): what a client sends (a path with
    %0a, a header) can never forge a line of the log."""
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


class TextFormatter(logging.Formatter):
    """The text line, its message escaped (a traceback, which is ours, keeps its lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = escaped(record.message)
        return super().formatMessage(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request id, message (and the traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": escaped(record.getMessage()),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: str, format: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if format == "json" else TextFormatter(TEXT))
    root = logging.getLogger("multiplex")
    handler.set_name("multiplex")  # replaces the one an earlier app installed, and only that one
    root.handlers[:] = [h for h in root.handlers if h.get_name() != "multiplex"] + [handler]
    root.setLevel(level.upper())
    root.propagate = False


def log_request(route: str, body: BaseModel, *, messages: bool) -> None:
    """At debug level: the parameters a request set (its messages' text only when asked), and the
    fields it sent that multiplex does not know and ignored."""
    if not log.isEnabledFor(logging.DEBUG):
        return
    fields = body.model_dump(exclude_unset=True, exclude_none=True)
    ignored = sorted(body.model_extra or {})
    for name in ignored:
        fields.pop(name, None)
    for name in ("messages", "input", "prompt", "instructions"):
        if name in fields and not messages:
            fields[name] = _shape(fields[name])
    log.debug("%s parameters: %s", route, json.dumps(fields, ensure_ascii=False, default=str))
    if ignored:
        log.debug("%s ignored unknown fields: %s", route, ", ".join(ignored))


def _shape(value: Any) -> str:
    """What a text field held, without its text."""
    if isinstance(value, str):
        return f"<{len(value)} characters>"
    if isinstance(value, list):
        return f"<{len(value)} items>"
    return "<hidden>"
