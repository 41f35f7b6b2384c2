"""The embedded model on a machine it does not have to itself: its threads follow the CPUs the
process may use (its affinity and its cgroup quota, v2 and v1, on its own cgroup or an
ancestor's), never the host's core count; and a loaded machine gives slower answers, not none."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from multiplex.cpus import available_cpus, cgroup_quota


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_cgroup_v2_quota_on_the_process_or_an_ancestor(tmp_path) -> None:
    proc = tmp_path / "cgroup"
    proc.write_text("0::/kubepods/pod1/container\n")
    root = tmp_path / "fs"
    write(root / "cpu.max", "max 100000\n")
    write(root / "kubepods/pod1/cpu.max", "250000 100000\n")  # the pod: 2.5 CPUs
    write(root / "kubepods/pod1/container/cpu.max", "max 100000\n")
    assert cgroup_quota(proc, root) == 2.5
    assert available_cpus(proc, root) == min(len(os.sched_getaffinity(0)), 3)


def test_a_cgroup_v1_quota_and_none_when_unlimited(tmp_path) -> None:
    proc = tmp_path / "cgroup"
    proc.write_text("4:memory:/x\n2:cpu,cpuacct:/docker/abc\n")
    root = tmp_path / "fs"
    write(root / "cpu,cpuacct/cpu.cfs_quota_us", "-1\n")
    write(root / "cpu,cpuacct/cpu.cfs_period_us", "100000\n")
    assert cgroup_quota(proc, root) is None
    write(root / "cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "50000\n")
    write(root / "cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n")
    assert cgroup_quota(proc, root) == 0.5
    assert available_cpus(proc, root) == 1  # half a CPU is still one thread
    assert cgroup_quota(tmp_path / "missing", root) is None


@pytest.mark.skipif(shutil.which("taskset") is None, reason="taskset (util-linux) is not installed")
def test_the_threads_follow_the_affinity_a_real_taskset_gives() -> None:
    code = "from multiplex.settings import load_settings; print(load_settings(model='fake/x').threads)"
    pinned = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", code], capture_output=True, text=True)
    assert pinned.returncode == 0, pinned.stderr
    assert pinned.stdout.strip() == "1"
    overridden = subprocess.run(
        ["taskset", "-c", "0", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "MULTIPLEX_LOCAL_THREADS": "3"},
    )
    assert overridden.stdout.strip() == "3"


async def test_the_embedded_model_times_out_on_stalled_progress_not_on_the_clock(monkeypatch) -> None:
    """A call that takes three times the limit while the model keeps decoding is answered; one whose
    model decodes nothing for the limit is a timeout."""
    import asyncio
    import time

    from multiplex.llm import local

    class Engine:
        progress_at = time.monotonic()

    engine = Engine()
    monkeypatch.setattr(local, "_engines", {("m", 1, 1, 1): engine})

    async def working() -> str:
        for _ in range(15):
            await asyncio.sleep(0.1)
            engine.progress_at = time.monotonic()
        return "answered"

    assert await local.within_progress(working(), stall_s=0.5) == "answered"
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await local.within_progress(asyncio.sleep(30), stall_s=0.5)
    assert time.monotonic() - started < 3
