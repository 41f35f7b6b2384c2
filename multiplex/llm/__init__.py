"""Every LLM call of multiplex goes through litellm, via `LLM.generate()`."""

import os
import warnings

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # litellm must not fetch its price map at import
# litellm runs a provider's `completion` in a thread and then awaits the coroutine it returns; a call
# cancelled in between (a run given up, Ctrl-C) leaves that coroutine unawaited, and Python says so on
# stderr when it is collected, under the CLI's one-line error. Its body never ran: nothing was sent.
warnings.filterwarnings("ignore", r"coroutine '\w+\.acompletion' was never awaited", RuntimeWarning)

from multiplex.llm.capabilities import Capabilities, capabilities, is_demo  # noqa: E402
from multiplex.llm.client import LLM  # noqa: E402
from multiplex.llm.types import LOOP_HEADER, CallTag, Completion, GenerationParams, Usage  # noqa: E402

__all__ = [
    "LOOP_HEADER",
    "LLM",
    "CallTag",
    "Capabilities",
    "Completion",
    "GenerationParams",
    "Usage",
    "capabilities",
    "is_demo",
]
