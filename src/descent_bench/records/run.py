"""A measured run as data: its records, the streaming ceilings measured beside them, and how
busy the machine was (``MachineState``, read by ``machine.state``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from descent_bench.records.record import Record
from descent_bench.records.settings import Settings


@dataclass(frozen=True)
class MachineState:
    """How busy the machine was around a run, and the warnings a careful reader wants."""

    load_average_before: tuple[float, float, float] | None
    load_average_after: tuple[float, float, float] | None
    seconds: float
    other_busy_cores: float | None  # CPU use of other processes, averaged over the run
    steal_fraction: float | None  # of all CPU time, over the run
    governor: str | None
    frequencies_mhz: tuple[float, ...] | None
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Ceiling:
    """A platform's streaming ceiling: the fastest read of a large array, and by whom."""

    gbytes_per_second: float
    measured_by: str


@dataclass(frozen=True)
class Roofs:
    """A CPU's two roofs as a run measured them (``machine.roofs``): the rate of data read,
    and of data updated in place, by where it lives (``L1``..``L3``, ``DRAM``; a read from
    DRAM: the best of one, two or four streams, also the CPU's ``Ceiling`` where faster than
    it), the cache levels' sizes and where they come from, and
    the peak seconds per point of each operation mix the run's problems do
    (``Arithmetic.mix``), on vectors of ``vector_bytes``."""

    read_gbytes_per_second: dict[str, float]
    update_gbytes_per_second: dict[str, float]  # read and written back, memory included
    cache_bytes: dict[str, int]
    cache_source: str
    peak_seconds_per_point: dict[str, float]
    vector_bytes: int


@dataclass(frozen=True)
class GpuRoofs:
    """A GPU's two roofs from the card's own numbers (``machine.gpu_roofs``): its memory
    bandwidth and its fused multiply-adds a second by dtype (an add takes an FMA's slot),
    each with where it came from, and its L2 (data that fits lives there)."""

    name: str
    memory_gbytes_per_second: float | None
    memory_source: str
    fma_per_second: dict[str, float]
    compute_source: str
    l2_bytes: int | None = None


@dataclass
class SuiteResult:
    """A measured run: its records and what the output says beside them."""

    settings: Settings
    records: list[Record]
    ceilings: dict[str, Ceiling]
    processes: int  # processes of a multi-host run (1: one host)
    main_process: bool  # only the first process of a multi-host run reports
    workers: int = 1  # worker processes the rounds were spread over
    cpus: tuple[tuple[int, ...], ...] = ()  # each worker's CPUs
    machine_state: MachineState | None = None  # how busy the machine was during the run
    # What the run ran on (``machine.describe``), as the first measuring process saw it.
    machine: dict[str, Any] | None = None
    roofs: Roofs | None = None  # the CPU's roofs (None: not measured, e.g. no compiler)
    gpu_roofs: GpuRoofs | None = None  # the GPU's, from the card (None: no GPU row)
