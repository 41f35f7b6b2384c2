"""The embedded model's speed when the process may use fewer CPUs than the host has: pinned to one
core (`taskset -c 0`) and under a cgroup CPU quota of one CPU. In each, raw llama-cpp-python
decodes the same answer with the threads multiplex used to start (`os.cpu_count()`, the host's
cores) and with the threads it starts now (`available_cpus()`: affinity and quota), in turn;
medians of tokens per second, and their ratio.

    python tests/benchmarks/threads_under_limits.py [--runs 5]

The quota needs a writable cgroup (v2: a folder under /sys/fs/cgroup with the cpu controller; v1:
/sys/fs/cgroup/cpu); without one that part is skipped and says so.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

DECODE = """
import json, sys, time
from llama_cpp import Llama
from multiplex.cpus import available_cpus
from multiplex.llm.local import default_model_path
threads = int(sys.argv[1]) if sys.argv[1] != "auto" else available_cpus()
path = str(default_model_path())
model = Llama(model_path=path, n_ctx=2048, n_threads=threads, n_threads_batch=threads, verbose=False)
messages = [{"role": "user", "content": "What makes a good teacher?"}]
model.create_chat_completion(messages=messages, max_tokens=8, seed=0)  # warm
started = time.perf_counter()
out = model.create_chat_completion(messages=messages, max_tokens=128, temperature=0.3, seed=1)
rate = out["usage"]["completion_tokens"] / (time.perf_counter() - started)
print(json.dumps({"threads": threads, "rate": rate}))
"""


def run(prefix: list[str], threads: str) -> tuple[int, float]:
    done = subprocess.run([*prefix, sys.executable, "-c", DECODE, threads], capture_output=True, text=True, check=True)
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return int(data["threads"]), float(data["rate"])


def quota_cgroup() -> tuple[Path, list[str]] | None:
    """A cgroup limited to one CPU and the command prefix that runs a process in it, if this machine
    lets us make one."""
    name = f"multiplex-bench-{uuid.uuid4().hex[:6]}"
    v2 = Path("/sys/fs/cgroup")
    v1 = v2 / "cpu"
    try:
        if (v2 / "cgroup.controllers").exists() and "cpu" in (v2 / "cgroup.subtree_control").read_text():
            folder = v2 / name
            folder.mkdir()
            (folder / "cpu.max").write_text("100000 100000")
        elif v1.is_dir():
            folder = v1 / name
            folder.mkdir()
            (folder / "cpu.cfs_period_us").write_text("100000")
            (folder / "cpu.cfs_quota_us").write_text("100000")
        else:
            return None
    except OSError:
        return None
    procs = folder / ("cgroup.procs" if (folder / "cgroup.procs").exists() else "tasks")
    return folder, ["sh", "-c", f'echo $$ > {procs} && exec "$0" "$@"']


def compare(label: str, prefix: list[str], runs: int) -> None:
    host = str(os.cpu_count() or 1)
    before, after, picked = [], [], 0
    for _ in range(runs):  # in turn, so the machine's other load falls on both alike
        before.append(run(prefix, host)[1])
        picked, rate = run(prefix, "auto")
        after.append(rate)
    b, a = statistics.median(before), statistics.median(after)
    print(
        f"| {label} | {host} threads (os.cpu_count): {b:.1f} tok/s | {picked} (available_cpus): {a:.1f} tok/s "
        f"| {a / b:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"host: {os.cpu_count()} cores; medians of {args.runs} 128-token answers each (SmolLM2-135M)")
    print("| confinement | threads before | threads now | ratio |")
    print("|---|---|---|---|")
    if shutil.which("taskset"):
        compare("taskset -c 0", ["taskset", "-c", "0"], args.runs)
    cgroup = quota_cgroup()
    if cgroup is None:
        print("| cgroup quota 1 CPU | skipped: no writable cgroup here | | |")
        return
    folder, prefix = cgroup
    try:
        compare("cgroup quota 1 CPU", prefix, args.runs)
    finally:
        folder.rmdir()


if __name__ == "__main__":
    main()
