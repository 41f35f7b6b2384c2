"""A call cancelled while litellm prepares it (in a thread, before the provider's coroutine is
awaited) leaves nothing on stderr: the bench's one-line errors and Ctrl-C stay one line."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import asyncio, gc
from multiplex.llm import LLM, CallTag, GenerationParams
from multiplex.settings import load_settings

async def main():
    llm = LLM(load_settings())
    for delay in (0, 0.001, 0.003, 0.01):
        hi = [{"role": "user", "content": "hi"}]
        asked = [llm.generate("fake/model", hi, GenerationParams(max_tokens=5), CallTag("baseline")) for _ in range(10)]
        tasks = [asyncio.create_task(call) for call in asked]
        await asyncio.sleep(delay)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(0.5)  # the threads finish, their coroutines are dropped
    gc.collect()

asyncio.run(main())
gc.collect()
print("cancelled")
"""


def test_calls_cancelled_while_litellm_prepares_them_leave_no_warning() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "cancelled", done.stderr
    assert "never awaited" not in done.stderr, done.stderr
