"""The LangGraph engine: one graph per mode, run through `Engine`."""

from multiplex.graph.engine import Engine
from multiplex.graph.record import AgentCall, PerspectiveRecord, RunRecord, RunResult, SynthesisRecord
from multiplex.graph.state import (
    MODES,
    AnalysisDone,
    AnswerDelta,
    Event,
    PerspectiveDelta,
    PerspectiveDone,
    PerspectiveStarted,
    PreparedRun,
    RunDone,
    RunRequest,
)

__all__ = [
    "MODES",
    "AnalysisDone",
    "AgentCall",
    "AnswerDelta",
    "Engine",
    "Event",
    "PerspectiveDelta",
    "PerspectiveDone",
    "PerspectiveRecord",
    "PerspectiveStarted",
    "PreparedRun",
    "RunDone",
    "RunRecord",
    "RunRequest",
    "RunResult",
    "SynthesisRecord",
]
