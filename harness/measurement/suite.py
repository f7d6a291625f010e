"""The measurement suite: rows for problems x sizes x contenders, measured and checked.

``plan`` turns plain ``Settings`` into the rows to measure, checking everything that can be
checked before any work starts (``SettingsError`` names the setting). ``run`` measures the
streaming ceiling of each platform, then every row, and returns typed ``Record``s. The command
line, the asv suite and the pytest-benchmark suite all build their rows here.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from descent_bench import backends
from descent_bench.backends import Backend
from descent_bench.kernels import PROBLEMS, Problem
from descent_bench.measurement.agreement import agrees, max_rel_diff
from descent_bench.measurement.contenders import TUTORIAL, Contender, contenders
from descent_bench.measurement.memory import shortfall
from descent_bench.measurement.records import Record, gbytes_per_second, relate
from descent_bench.measurement.timing import (
    backend_stream_reads,
    c_stream_read,
    measure,
    stream_gbytes_per_second,
)
from descent_bench.measurement.workloads import (
    SEED,
    default_iterations,
    make_problem,
    reference_params,
)

DTYPES = ("float64", "float32")
# Bytes summed to measure a platform's streaming ceiling: far beyond any cache.
CEILING_BYTES = {"cpu": 256 * 2**20, "gpu": 2 * 2**30}


class SettingsError(ValueError):
    """A setting that cannot run; ``setting`` names it."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(message)
        self.setting = setting


@dataclass(frozen=True)
class Settings:
    """What to measure. None means the default: every usable backend meant for comparison,
    every problem, each problem's default sizes, K from the workload."""

    backends: tuple[str, ...] | None = None
    problems: tuple[str, ...] | None = None  # None: every registered problem
    sizes: tuple[int, ...] | None = None
    dtype: str = "float64"
    iterations: int | None = None
    repeat: int = 5
    device_counts: tuple[int, ...] = (1,)


@dataclass(frozen=True)
class Task:
    problem: Problem
    contender: Contender


@dataclass(frozen=True)
class Plan:
    settings: Settings
    backends: tuple[Backend, ...]
    contenders: tuple[Contender, ...]
    tasks: tuple[Task, ...]


@dataclass(frozen=True)
class Ceiling:
    gbytes_per_second: float
    measured_by: str


@dataclass
class SuiteResult:
    settings: Settings
    records: list[Record]
    ceilings: dict[str, Ceiling]
    processes: int
    main_process: bool  # only the first process of a multi-process run reports
    backends: tuple[Backend, ...] = field(default=())


class Observer(Protocol):
    """Told what the suite is doing, e.g. to draw a progress bar."""

    def note(self, message: str) -> None: ...

    def begin(self, total: int) -> None: ...

    def row(self, description: str) -> None: ...

    def done_row(self) -> None: ...


class Silent:
    def note(self, message: str) -> None:
        pass

    def begin(self, total: int) -> None:
        pass

    def row(self, description: str) -> None:
        pass

    def done_row(self) -> None:
        pass


def chosen_backends(names: Sequence[str] | None) -> list[Backend]:
    """The named backends, loaded, or every usable one meant for comparison."""
    if names is None:
        return [
            backends.load(s.name)
            for s in backends.available()
            if s.usable and backends.get(s.name).in_default_compare
        ]
    chosen = []
    for name in names:
        if name not in backends.names():
            known = ", ".join(backends.names())
            raise SettingsError("backends", f"unknown backend {name!r} (choose from {known})")
        reason = backends.get(name).unavailable_reason()
        if reason:
            raise SettingsError("backends", f"backend {name!r} cannot run here: {reason}")
        chosen.append(backends.load(name))
    return chosen


def check_device_counts(chosen: Sequence[Backend], counts: Sequence[int]) -> None:
    if list(counts) == [1]:
        return
    splitting = [b for b in chosen if b.splits_over_devices]
    if not splitting:
        able = [n for n in backends.names() if backends.get(n).splits_over_devices]
        raise SettingsError(
            "devices",
            f"applies to backends that split data over devices ({', '.join(able)}); "
            "add one to --backends",
        )
    for backend in splitting:
        for count in counts:
            reason = backend.sharded(count).unavailable_reason()
            if reason:
                raise SettingsError("devices", f"{count}: {reason}")


def plan(settings: Settings) -> Plan:
    """The rows ``settings`` asks for, every setting checked before anything is measured."""
    if settings.dtype not in DTYPES:
        raise SettingsError("dtype", f"unknown {settings.dtype!r} (choose from float64, float32)")
    chosen = chosen_backends(settings.backends)
    check_device_counts(chosen, settings.device_counts)
    rows = contenders(chosen, tuple(dict.fromkeys(settings.device_counts)))
    tasks: list[Task] = []
    for name in settings.problems or tuple(PROBLEMS):
        if name not in PROBLEMS:
            known = ", ".join(PROBLEMS)
            raise SettingsError("problems", f"unknown problem {name!r} (choose from {known})")
        for size in settings.sizes or PROBLEMS[name].default_sizes:
            try:
                problem = make_problem(name, size)
            except ValueError as exc:
                raise SettingsError("sizes", f"{name}: {exc}") from None
            # The row, the float64 reference, and data the tutorial loop converts.
            too_big = shortfall(problem, settings.dtype, copies=2)
            if too_big:
                raise SettingsError("sizes", too_big)
            tasks.extend(Task(problem, c) for c in rows if c.make_loop(problem) is not None)
    return Plan(settings, tuple(chosen), tuple(rows), tuple(tasks))


def measure_ceilings(plan: Plan, observer: Observer) -> dict[str, Ceiling]:
    """Each platform's streaming ceiling: the fastest read of a large array, by any backend
    of the run (flat, or in rows) or (on the CPU) the C reference's vectorised read, all
    timed in turn."""
    dtype = plan.settings.dtype
    # One read per namespace and platform: numba's arrays are NumPy's, and so is its sum.
    distinct: dict[tuple[int, str], Backend] = {}
    for name in dict.fromkeys(c.backend.name for c in plan.contenders):
        backend = backends.load(name)
        distinct.setdefault((id(backend.xp), backend.platform), backend)
    reads = [
        read
        for b in distinct.values()
        for read in backend_stream_reads(b, dtype, CEILING_BYTES[b.platform])
    ]
    if any(r.platform == "cpu" for r in reads):
        c_read = c_stream_read(dtype, CEILING_BYTES["cpu"])
        reads += [c_read] if c_read is not None else []
    observer.note("measuring the streaming ceiling with " + ", ".join(r.name for r in reads))
    speeds = stream_gbytes_per_second(reads)
    ceilings: dict[str, Ceiling] = {}
    for read in reads:
        best = ceilings.get(read.platform)
        if best is None or speeds[read.name] > best.gbytes_per_second:
            ceilings[read.platform] = Ceiling(speeds[read.name], read.name)
    return ceilings


def measure_row(
    settings: Settings,
    task: Task,
    ceilings: dict[str, Ceiling],
    references: dict[tuple[Problem, int], np.ndarray],
) -> Record:
    """One row timed, its result checked against the float64 NumPy reference."""
    problem, contender = task.problem, task.contender
    lr, initial = problem.stable_lr(), problem.initial_params(seed=SEED)
    iterations = settings.iterations or default_iterations(problem)
    timing = measure(contender, problem, settings.dtype, lr, initial, iterations, settings.repeat)
    key = (problem, timing.iterations)
    if key not in references:
        references[key] = reference_params(problem, timing.iterations, lr)
    diff = max_rel_diff(timing.final_params, references[key])
    nbytes = problem.bytes_per_iteration(np.dtype(settings.dtype).itemsize)
    gbs = gbytes_per_second(nbytes, timing.seconds_per_iteration)
    ceiling = ceilings.get(contender.backend.platform)
    return Record(
        backend=contender.label,
        library=contender.backend.name,
        device=str(contender.backend.device),
        problem=problem.name,
        size=problem.size,
        dtype=settings.dtype,
        iterations=timing.iterations,
        compile_seconds=timing.compile_seconds,
        seconds_per_iteration=timing.seconds_per_iteration,
        iterations_per_second=timing.iterations_per_second,
        bytes_per_iteration=nbytes,
        gbytes_per_second=gbs,
        bandwidth_fraction=gbs / ceiling.gbytes_per_second if ceiling else None,
        speedup_vs_tutorial=None,
        max_rel_diff=diff,
        agrees=agrees(diff, settings.dtype, timing.iterations, problem.coupled_params),
        baseline=contender.baseline,
        devices=contender.backend.n_devices,
        parallel_efficiency=None,
        spread_seconds_per_iteration=timing.spread,
        harness_overhead_fraction=timing.overhead_fraction,
    )


def run(plan: Plan, observer: Observer | None = None) -> SuiteResult:
    """Measure every row of ``plan``: the ceilings first, then each row in turn."""
    observer = observer or Silent()
    references: dict[tuple[Problem, int], np.ndarray] = {}
    records = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a diverging row shows as disagreeing
        ceilings = measure_ceilings(plan, observer)
        observer.begin(len(plan.tasks))
        for task in plan.tasks:
            observer.row(f"{task.contender.label} {task.problem.name} {task.problem.size:,}")
            records.append(measure_row(plan.settings, task, ceilings, references))
            observer.done_row()
    rows = [c.backend for c in plan.contenders]
    return SuiteResult(
        settings=plan.settings,
        records=relate(records, TUTORIAL),
        ceilings=ceilings,
        processes=max(b.process_count() for b in rows),
        main_process=all(b.process_index() == 0 for b in rows),
        backends=plan.backends,
    )
