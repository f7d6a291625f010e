"""The results model: a measured row as a typed record keeping every timed call, and what is
derived from the calls (median, IQR, relative noise, an interval for the median); a run as its
records, settings, ceilings and the machine's state (``SuiteResult``).

A record holds measurements only. Ratios between rows (speedup over the tutorial, parallel
efficiency) are computed when shown (``ratios``), with their intervals. Nothing here loads a
backend: the output layer reads this module, never the suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from descent_bench.records import statistics

# The label of the rows that run the problem's tutorial loop: the unit of every speedup.
TUTORIAL = "tutorial"
# The label of the rows that run the problem's descent as one C loop: the limit the
# backends are held against, not a backend a user picks.
C_FUSED = "c-fused"

# What a record's max_rel_diff was measured against (``measurement.reference``).
ReferenceKind = Literal["exact", "independent", "kernel"]
REFERENCE_KINDS: tuple[ReferenceKind, ...] = ("exact", "independent", "kernel")


def gbytes_per_second(bytes_per_iteration: int, seconds_per_iteration: float) -> float:
    """Compulsory bytes of one iteration over its time, in GB/s (10^9 bytes)."""
    return bytes_per_iteration / seconds_per_iteration / 1e9


@dataclass(frozen=True)
class Sample:
    """One timed call: its seconds (host clock, call and sync), its K, the round it ran in,
    the worker process, and the device's own event time of the call where it has one."""

    seconds: float
    iterations: int
    round: int
    process: int
    device_seconds: float | None = None

    @property
    def seconds_per_iteration(self) -> float:
        return self.seconds / self.iterations


@dataclass(frozen=True)
class RowId:
    """The one identity of a measured row: its label (``contenders.Row``), the problem and
    size, dtype, devices and threads. The suite merges each process's calls by it, and
    ``diff`` matches the rows of two runs by it (and K)."""

    label: str
    problem: str
    size: int
    dtype: str
    devices: int = 1
    threads: int | None = None


@dataclass(frozen=True)
class Record:
    backend: str  # the row's label: a backend, a backend over N devices, or a baseline
    library: str  # the registered backend whose arrays the row uses
    device: str
    problem: str
    size: int
    dtype: str
    iterations: int  # K of every timed call: a function of the problem and size alone
    compile_seconds: float | None  # None: the row compiles nothing
    seconds_per_iteration: float  # the median call over K
    bytes_per_iteration: int
    bandwidth_fraction: float | None  # of the platform's streaming ceiling in the same run
    max_rel_diff: float  # from the reference, after K iterations
    agrees: bool  # max_rel_diff within ``tolerance``
    baseline: bool
    devices: int
    samples: tuple[Sample, ...] = field(default=())
    # Which reference max_rel_diff was measured against: "exact" (the mathematics beyond
    # float64), "independent" (float64 without the kernel) or "kernel" (the kernel on NumPy).
    reference: ReferenceKind = "kernel"
    threads: int | None = None  # intra-op threads the row ran with (None: not recorded)
    noisy: bool = False  # still above the noise target when the run stopped
    platform: str = "cpu"  # where the row's arrays live ("cpu" or "gpu")
    precision: str = "full"  # how float32 matrix products ran ("full", or e.g. TF32)
    # A counted run (``compare --count instructions``, ``measurement.counting``): the
    # instructions of one K-call under callgrind, every thread; None where the run counted
    # nothing, or this row could not be counted (``uncounted`` says why).
    instructions: int | None = None
    uncounted: str | None = None
    # Of ``instructions``, those inside the C allocator (malloc, free and their kin, with
    # their callees: ``counting.allocator_instructions``); None where not counted, or where
    # a file was written before they were recorded.
    allocator_instructions: int | None = None
    # How the row ran its K iterations (``timing.rows``: "own", "standard", "compiled",
    # "naive", "tutorial", "fused", or a baseline's label); "" in a file written before.
    loop: str = ""
    # The largest max_rel_diff that agrees, and the model that derived it
    # (``reference.bound``); None and "" in a file written before they were recorded.
    tolerance: float | None = None
    bound_model: str = ""
    # What the backend says of the row (a fallback to the standard's primitives, how a lazy
    # result was forced: ``Backend.row_notes``), and a part of its time it measured outside
    # computing, with what that part is (``Backend.overhead``: dask's scheduling).
    notes: tuple[str, ...] = ()
    overhead_seconds: float | None = None  # per iteration
    overhead: str = ""
    # The roofline (``Roofs``): where the row's data lives ("L1".."L3", "DRAM"; "" where
    # not placed), and the seconds per iteration the compute roof (its arithmetic at the
    # machine's peak) and the memory roof (its bytes at the rate of where they live) allow.
    data_in: str = ""
    compute_roof_seconds: float | None = None
    memory_roof_seconds: float | None = None

    @property
    def roof_seconds(self) -> float | None:
        """The binding roof's seconds per iteration: the larger of the two (None: none)."""
        known = [t for t in (self.compute_roof_seconds, self.memory_roof_seconds) if t]
        return max(known) if known else None

    @property
    def binding_roof(self) -> str:
        """Which roof binds: "compute", "memory" or "" (none measured)."""
        if self.roof_seconds is None:
            return ""
        return "compute" if self.roof_seconds == self.compute_roof_seconds else "memory"

    @property
    def row_id(self) -> RowId:
        return RowId(self.backend, self.problem, self.size, self.dtype, self.devices, self.threads)

    @property
    def instructions_per_iteration(self) -> float | None:
        return None if self.instructions is None else self.instructions / self.iterations

    @property
    def instructions_per_element(self) -> float | None:
        """Per iteration and per unit of the size (a point, a walker)."""
        per_iteration = self.instructions_per_iteration
        return None if per_iteration is None else per_iteration / self.size

    @property
    def iterations_per_second(self) -> float:
        return 1.0 / self.seconds_per_iteration

    @property
    def gbytes_per_second(self) -> float:
        return gbytes_per_second(self.bytes_per_iteration, self.seconds_per_iteration)

    def per_iteration(self) -> np.ndarray:
        """Seconds per iteration of every timed call."""
        return np.array([s.seconds_per_iteration for s in self.samples])

    def by_process(self) -> list[np.ndarray]:
        """Seconds per iteration of the timed calls, one array per worker process."""
        processes = sorted({s.process for s in self.samples})
        return [
            np.array([s.seconds_per_iteration for s in self.samples if s.process == p])
            for p in processes
        ]

    @property
    def mean_seconds_per_iteration(self) -> float:
        """The mean of the calls' seconds per iteration: the time a long loop takes per
        iteration, slow stretches included (the median where no calls are kept)."""
        if not self.samples:
            return self.seconds_per_iteration
        return float(np.mean(self.per_iteration()))

    @property
    def relative_noise(self) -> float:
        """IQR over median of the calls' per-iteration times (nan without samples)."""
        return statistics.relative_noise(self.per_iteration())

    @property
    def median_interval(self) -> tuple[float, float]:
        """A 95% interval of the median seconds per iteration (nan without samples)."""
        return statistics.median_interval(self.per_iteration())


def key(record: Record) -> tuple[RowId, int]:
    """What makes two records the same measurement in two runs: the same row, and the same
    K per call."""
    return record.row_id, record.iterations
