"""One process's share of a run: its rows prepared, measured in rounds, and handed back.

Every row of every size is prepared first (placed, compiled, warmed up, checked), then timed
in rounds visited size by size (``visits``). The first process plans the rows (``planning``)
and decides the visits; later processes take its rows and replay its visits (the same sizes,
the same rounds, in the same sequence), so every process weighs alike in the bootstrap, which
draws whole processes. Sizes whose rows would not fit in memory together are measured group
by group, the time shared among the groups.
"""

from __future__ import annotations

import hashlib
import random
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from descent_bench import backends
from descent_bench.backends.calls import Overhead
from descent_bench.kernels import Problem, capabilities
from descent_bench.machine.ceilings import measure_ceilings
from descent_bench.machine.describe import describe
from descent_bench.machine.memory import MEASURE_COPIES, available_bytes, needed_bytes
from descent_bench.machine.roofs import DRAM, measure_roofs
from descent_bench.records.record import Sample
from descent_bench.records.run import Ceiling, Roofs
from descent_bench.records.settings import Settings
from descent_bench.timing.observer import Observer, Prefixed
from descent_bench.timing.planning import plan, used
from descent_bench.timing.prepare import Prepared, SharedInputs, prepare
from descent_bench.timing.rows import FUSED, TUTORIAL_LOOP, Row
from descent_bench.timing.threads import held, held_backends
from descent_bench.timing.visits import SizeKey, Visit, time_visits
from descent_bench.timing.workloads import make_problem


@dataclass(frozen=True)
class Job:
    """What one process measures: the rows of ``settings`` (``rows``: those the first process
    planned; None: plan them here), at least ``rounds`` rounds of each size (the deciding
    process), or exactly the visits of ``schedule`` (the others)."""

    settings: Settings
    process: int
    rounds: int
    # Time the deciding process's rounds may take beyond preparing the rows; unused by the
    # others.
    seconds: float
    # The visits an earlier process made: replay them, with no stop rule of their own. None
    # for the process that decides.
    schedule: tuple[Visit, ...] | None = None
    # The sizes prepared together, group by group, as the first process grouped them (free
    # memory differs between processes, and replayed visits must meet the same groups).
    # None: group by this process's free memory.
    groups: tuple[tuple[SizeKey, ...], ...] | None = None
    rows: tuple[Row, ...] | None = None
    # The digest of each large answer of the first process (``answer_digest``): an answer
    # equal to it to the bit is not handed back again.
    digests: dict[Row, str] | None = None


# An answer of at least this many bytes is handed back once: where a later process's answer
# has the first one's SHA-256, it sends the digest alone (the parameters of 10^7 walkers are
# 160 MB a row).
SHARED_ANSWER_BYTES = 2**20


def answer_digest(params: np.ndarray) -> str | None:
    """The SHA-256 of a large answer's bytes (None for a small one: it is sent as it is)."""
    if params.nbytes < SHARED_ANSWER_BYTES:
        return None
    return hashlib.sha256(np.ascontiguousarray(params).data).hexdigest()


@dataclass
class MeasuredRow:
    """A row as a process measured it: its calls, its compile time, its answer after K
    iterations, and where and how it ran (device, platform, the precision of float32
    products, the phrasing its data was read in, the type its sums accumulated in where the
    backend vouches for them: ``Backend.accumulation_dtype``)."""

    row: Row
    samples: list[Sample]
    compile_seconds: float | None
    final_params: np.ndarray | None  # None: the first process's, to the bit (``digest``)
    device: str
    platform: str
    precision: str
    form: str | None = None
    accumulation: str | None = None
    notes: tuple[str, ...] = ()  # ``Backend.row_notes``
    overhead: Overhead | None = None  # ``Backend.overhead``
    digest: str | None = None  # ``answer_digest`` of the answer


@dataclass
class JobResult:
    rows: list[MeasuredRow]  # in the plan's order
    ceilings: dict[str, Ceiling]
    cpus: list[int]  # the CPUs its libraries started on
    schedule: list[Visit]  # the visits it made, in order
    groups: list[list[SizeKey]]  # the sizes it prepared together, group by group
    planned: list[Row] = field(default_factory=list)  # every row, for the later processes
    machine: dict[str, Any] | None = None  # what the first process ran on (``describe``)
    roofs: Roofs | None = None  # the CPU's roofs, where it has CPU rows and a C compiler

    def rounds_by_size(self) -> dict[SizeKey, int]:
        counts: dict[SizeKey, int] = defaultdict(int)
        for visit in self.schedule:
            counts[visit.size] += visit.rounds
        return dict(counts)


def prepare_row(row: Row, shared: SharedInputs | None = None) -> Prepared:
    return prepare(row, shared=shared)


def size_groups(problems: Sequence[Problem], dtype: str, free: int | None) -> list[list[int]]:
    """Indices of ``problems`` in groups whose rows fit in ``free`` bytes together (the plan
    checked that each fits alone), consecutive, as few as may be: usually one group."""
    groups: list[list[int]] = []
    taken = 0
    for i, problem in enumerate(problems):
        need = needed_bytes(problem, dtype, MEASURE_COPIES)  # as the plan's check counts it
        if groups and (free is None or taken + need <= free):
            groups[-1].append(i)
            taken += need
        else:
            groups.append([i])
            taken = need
    return groups


def measured_row(
    row: Row,
    prepared: Prepared,
    samples: list[Sample],
    first_digest: str | None = None,
    others: bool = True,
) -> MeasuredRow:
    """The row as this process measured it; its answer left out where it has
    ``first_digest``, the first process's answer's; its digest taken only where ``others``
    (other processes) may hold theirs against it."""
    backend = prepared.runner.backend
    form = capabilities.phrasing(prepared.problem)
    params = prepared.final_params()
    digest = answer_digest(params) if others else None
    return MeasuredRow(
        row,
        samples,
        prepared.compile_seconds([s.seconds_per_iteration for s in samples]),
        None if digest is not None and digest == first_digest else params,
        str(backend.device),
        backend.platform,
        backend.matmul_precision(),
        form,
        backend.accumulation_dtype(row.dtype, form, row.size),
        () if row.loop in (FUSED, TUTORIAL_LOOP) else backend.row_notes(),
        prepared.overhead,
        digest,
    )


def work(job: Job, observer: Observer, on_measured: Callable[[], None] = lambda: None) -> JobResult:
    """Measure ``job`` in this process (a worker's whole life, or an in-process run);
    ``on_measured`` is called once the last timed call is made."""
    settings = job.settings
    observer = Prefixed(observer, f"process {job.process + 1} of {settings.processes}")
    with held(job.process, settings.threads) as hold:
        planned = job.rows if job.rows is not None else plan(settings).rows
        in_use = used(planned)  # the libraries start their pools on hold.cpus
        hold.widen()
        with held_backends(in_use, settings.threads), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a diverging row disagrees
            ceilings = measure_ceilings(in_use, settings.dtype, observer.row)
            roofs = None
            if "cpu" in ceilings:
                observer.row("roofs: cache reads and the peak of each operation mix")
                problems = {make_problem(r.problem, r.size) for r in planned}
                roofs = measure_roofs(problems, settings.dtype)
                ceilings = with_streamed_read(ceilings, roofs)
            results, schedule, groups = measure_groups(job, planned, observer, on_measured)
    described = describe_machine(planned) if job.process == 0 else None
    return JobResult(
        results, ceilings, hold.cpus, schedule, groups, list(planned), described, roofs
    )


def with_streamed_read(ceilings: dict[str, Ceiling], roofs: Roofs | None) -> dict[str, Ceiling]:
    """``ceilings`` with the CPU's raised to the roofs' read from memory where that was
    faster (several streams side by side): the fastest read of a large array in the run."""
    streamed = roofs.read_gbytes_per_second.get(DRAM) if roofs is not None else None
    cpu = ceilings.get("cpu")
    if streamed is None or cpu is None or streamed <= cpu.gbytes_per_second:
        return ceilings
    return {**ceilings, "cpu": Ceiling(streamed, "c-streams")}


def measure_groups(
    job: Job,
    planned: Sequence[Row],
    observer: Observer,
    on_measured: Callable[[], None] = lambda: None,
) -> tuple[list[MeasuredRow], list[Visit], list[list[SizeKey]]]:
    """Every planned row measured, a group of sizes at a time (each group's rows freed
    before the next is prepared); the rows in the plan's order, the visits, the groups.
    ``on_measured`` is called after the last group's last timed call."""
    settings = job.settings
    by_size: dict[SizeKey, list[Row]] = defaultdict(list)
    for row in planned:
        by_size[(row.problem, row.size)].append(row)
    sizes = list(by_size)
    if job.groups is None:
        problems = [make_problem(*size) for size in sizes]
        fit = size_groups(problems, settings.dtype, available_bytes())
        groups = [[sizes[i] for i in group] for group in fit]
    else:
        groups = [[s for s in group if s in by_size] for group in job.groups]
        groups = [group for group in groups if group]
    rng = random.Random(1000 + job.process)
    left_seconds = job.seconds
    measured: dict[Row, MeasuredRow] = {}
    schedule: list[Visit] = []
    observer.begin(len(sizes) + len(groups))
    for left, group in zip(range(len(groups), 0, -1), groups, strict=True):
        prepared: dict[SizeKey, list[Prepared]] = {}
        for size in group:
            observer.row(f"preparing {size[0]} {size[1]:,} ({len(by_size[size])} rows)")
            shared = SharedInputs()  # the size's data, made once for its rows
            prepared[size] = [prepare_row(row, shared) for row in by_size[size]]
            del shared
            observer.done_row()
        start = time.perf_counter()
        share = max(0.0, left_seconds) / left
        what = f"timing {len(group)} size{'s' * (len(group) > 1)}"
        if job.schedule is None:
            limit = f"until ranked, at most {share:.0f} s"
        else:
            limit = "the first process's rounds again"

        def progress(spent: float, what: str = what, limit: str = limit) -> None:
            observer.row(f"{what}, {spent:.0f} s ({limit})")

        progress(0.0)
        target = settings.noise_target
        samples, visits = time_visits(
            prepared,
            job.rounds,
            target,
            job.process,
            rng,
            start + share,
            job.schedule,
            progress=progress,
        )
        left_seconds -= time.perf_counter() - start
        if left == 1:
            on_measured()
        schedule.extend(visits)
        for size in group:
            parts = zip(by_size[size], prepared[size], samples[size], strict=True)
            first = job.digests or {}
            others = settings.processes > 1
            measured.update(
                {
                    row: measured_row(row, made, own, first.get(row), others)
                    for row, made, own in parts
                }
            )
        del prepared, parts  # the group's rows freed before the next group is prepared
        observer.done_row()
    return [measured[row] for row in planned if row in measured], schedule, groups


def describe_machine(planned: Sequence[Row]) -> dict[str, Any]:
    """The machine block of a result: the run's backends (loaded here), every installed
    library's version (from metadata, nothing more imported)."""
    statuses = [backends.status(name) for name in dict.fromkeys(r.backend for r in planned)]
    return describe(statuses, backends.versions())
