"""How busy the machine was around a run: load average, CPU time of other processes and
steal time (neighbours of a virtual machine do not show in the load average), and whether
frequency scaling may move the clock; with the warnings a careful reader wants to see."""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

from descent_bench.records.run import MachineState

BUSY_CORES = 0.25  # other processes' average use, in cores, above which a run is called busy
STEAL_FRACTION = 0.05  # of CPU time taken by the hypervisor, above which a run is called busy


@dataclass(frozen=True)
class CpuTimes:
    """Seconds since boot, all CPUs together, from /proc/stat."""

    busy: float  # user, nice, system, irq, softirq
    idle: float  # idle and iowait
    steal: float


@dataclass(frozen=True)
class Snapshot:
    wall: float
    load_average: tuple[float, float, float] | None
    cpu: CpuTimes | None
    own_cpu_seconds: float  # this process and its finished children


def cpu_times(stat: str | None = None) -> CpuTimes | None:
    """The ``cpu`` line of /proc/stat in seconds (None where there is none)."""
    try:
        text = stat if stat is not None else Path("/proc/stat").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            ticks = [int(v) for v in fields[1:9]] + [0] * (8 - len(fields[1:9]))
            user, nice, system, idle, iowait, irq, softirq, steal = ticks
            hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
            return CpuTimes(
                (user + nice + system + irq + softirq) / hz, (idle + iowait) / hz, steal / hz
            )
    return None


def own_cpu_seconds() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def snapshot() -> Snapshot:
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return Snapshot(time.monotonic(), load, cpu_times(), own_cpu_seconds())


def governor() -> str | None:
    try:
        path = "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"
        return Path(path).read_text().strip() or None
    except OSError:
        return None


def frequencies_mhz() -> tuple[float, ...] | None:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return None
    found = [float(line.split(":", 1)[1]) for line in lines if line.startswith("cpu MHz")]
    return tuple(found) or None


def state(before: Snapshot, after: Snapshot) -> MachineState:
    """The machine over the run between two snapshots, with its warnings."""
    seconds = max(after.wall - before.wall, 1e-9)
    others = steal = None
    if before.cpu is not None and after.cpu is not None:
        busy = after.cpu.busy - before.cpu.busy
        total = busy + (after.cpu.idle - before.cpu.idle) + (after.cpu.steal - before.cpu.steal)
        own = after.own_cpu_seconds - before.own_cpu_seconds
        others = max(0.0, busy - own) / seconds
        steal = (after.cpu.steal - before.cpu.steal) / total if total > 0 else 0.0
    scaling = governor()
    warnings = []
    if others is not None and others > BUSY_CORES:
        warnings.append(
            f"the machine was busy: other processes used {others:.2f} cores on average during "
            "the run; timings may be slower and noisier than on a quiet machine"
        )
    if steal is not None and steal > STEAL_FRACTION:
        warnings.append(
            f"the hypervisor took {100 * steal:.0f}% of CPU time (steal) during the run: "
            "neighbouring virtual machines were busy"
        )
    if scaling is not None and scaling != "performance":
        warnings.append(
            f"CPU frequency scaling is on (governor {scaling!r}): timings may move with the "
            "clock; 'performance' holds it"
        )
    return MachineState(
        before.load_average,
        after.load_average,
        seconds,
        others,
        steal,
        scaling,
        frequencies_mhz(),
        tuple(warnings),
    )
