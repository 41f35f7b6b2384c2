"""The embedded model's threads follow the CPUs the process may use: its affinity and its cgroup
quota (v2 and v1, on its own cgroup or an ancestor's), never the host's core count."""

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
