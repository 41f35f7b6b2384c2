"""The LangGraph engine: one graph per mode, run through `Engine`."""

from multiplex.graph.engine import Engine
from multiplex.graph.state import (
    AnswerDelta,
    Event,
    PerspectiveDelta,
    PerspectiveDone,
    PerspectiveRecord,
    PerspectiveStarted,
    RunDone,
    RunRequest,
    RunResult,
)

__all__ = [
    "AnswerDelta",
    "Engine",
    "Event",
    "PerspectiveDelta",
    "PerspectiveDone",
    "PerspectiveRecord",
    "PerspectiveStarted",
    "RunDone",
    "RunRequest",
    "RunResult",
]
