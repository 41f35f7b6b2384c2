"""How many CPUs this process may use: the fewer of its CPU affinity (`taskset`, a cpuset) and its
cgroup CPU quota (a container's `--cpus`, a pod's CPU limit, systemd's CPUQuota), cgroup v2 or v1.
`os.cpu_count()` counts the host's cores and sees neither: a pod limited to 2 CPUs on a 64-core
node would start 64 llama.cpp threads, each waiting for the others."""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def available_cpus(proc_cgroup: Path = Path("/proc/self/cgroup"), root: Path = CGROUP_ROOT) -> int:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = cgroup_quota(proc_cgroup, root)
    return max(1, min(affinity, math.ceil(quota)) if quota is not None else affinity)


def cgroup_quota(proc_cgroup: Path = Path("/proc/self/cgroup"), root: Path = CGROUP_ROOT) -> float | None:
    """The tightest CPU quota on this process's cgroup and its ancestors, in CPUs; None when unlimited
    or unknown."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return None
    limits: list[float] = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":  # v2: one unified hierarchy
            limits += [q for d in _dirs(root, path) if (q := _v2(d / "cpu.max")) is not None]
        elif "cpu" in controllers.split(","):
            for mount in (root / controllers, root / "cpu", root / "cpu,cpuacct"):
                if mount.is_dir():
                    limits += [q for d in _dirs(mount, path) if (q := _v1(d)) is not None]
                    break
    return min(limits) if limits else None


def _dirs(mount: Path, path: str) -> list[Path]:
    """The cgroup's folder and its ancestors up to the mount (inside a container the path may not
    exist below the mount: then the mount's own folder is the container's cgroup)."""
    here = mount / path.strip("/")
    found = [mount]
    while here != mount and here.is_relative_to(mount):
        if here.is_dir():
            found.append(here)
        here = here.parent
    return found


def _v2(cpu_max: Path) -> float | None:
    try:
        quota, period = cpu_max.read_text().split()[:2]
    except (OSError, ValueError):
        return None
    return None if quota == "max" else int(quota) / int(period)


def _v1(folder: Path) -> float | None:
    try:
        quota = int((folder / "cpu.cfs_quota_us").read_text())
        period = int((folder / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return None if quota <= 0 or period <= 0 else quota / period
