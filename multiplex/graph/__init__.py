"""The LangGraph engine: one graph per mode, run through `Engine`."""

from multiplex.graph.engine import Engine
from multiplex.graph.state import (
    MODES,
    AnswerDelta,
    Event,
    PerspectiveDelta,
    PerspectiveDone,
    PerspectiveRecord,
    PerspectiveStarted,
    RunDone,
    RunRequest,
    RunResult,
    Synthesis,
)

__all__ = [
    "MODES",
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
    "Synthesis",
]
