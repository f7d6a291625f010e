"""One process's share of a run: interleaved rounds, visited size by size, with a stop rule.

Every row of every size is prepared first (placed, compiled, warmed up, checked). In a round
of a size, each of its rows is timed once, in a new random order, so a burst of load hits
every row alike. A size's rounds are not run in one block: the process visits the sizes in
turn, in a new random order each cycle, and runs about ``VISIT_SECONDS`` of a size's rounds
per visit, so each row's calls are spread over the process's whole life. The host's slow
stretches last seconds (docs/performance.md): a block of a few seconds could sit wholly
inside one and shift that size's rows alone, while visits of a quarter-second give every row
its share of slow and fast time.

The first process decides the schedule: a first cycle runs every size's minimum rounds, and
the run stops there when every size's rows are ranked (``stopping``: neighbours in speed
whose intervals do not overlap, or both within the target); otherwise visits go on while some
size's are not, until the job's time is spent. Later processes replay its visits
(the same sizes, the same rounds, in the same sequence), so every process weighs alike in the
bootstrap, which draws whole processes. Sizes whose rows would not fit in memory together are
measured group by group, the time shared among the groups.
"""

from __future__ import annotations

import math
import random
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from descent_bench import backends
from descent_bench.kernels import Problem
from descent_bench.measurement import machine, stopping
from descent_bench.measurement.ceilings import Ceiling, measure_ceilings
from descent_bench.measurement.memory import MEASURE_COPIES, available_bytes, needed_bytes
from descent_bench.measurement.planning import (
    MAX_ROUNDS,
    Observer,
    Plan,
    Prefixed,
    Settings,
    Task,
    plan,
)
from descent_bench.measurement.records import RowId, Sample
from descent_bench.measurement.threads import held, held_backends
from descent_bench.measurement.timing import PreparedRow, prepare
from descent_bench.measurement.workloads import SEED, baseline_iterations, default_iterations

SizeKey = tuple[str, int]  # problem, size

# Seconds of one size's rounds per visit (at least one round): well under the host's slow
# stretches (1-7 s measured here), so none covers all of a row's calls.
VISIT_SECONDS = 0.25
# Rounds of one visit at most: a size whose rounds are quick reaches MAX_ROUNDS over twenty
# visits or more, not in one.
VISIT_ROUNDS = MAX_ROUNDS // 20


def row_id(task: Task, settings: Settings) -> RowId:
    """The identity of ``task``'s row, as its record will carry it."""
    problem, backend = task.problem, task.contender.backend
    return RowId(
        task.contender.label,
        problem.name,
        problem.size,
        settings.dtype,
        backend.n_devices,
        settings.threads,
    )


@dataclass(frozen=True)
class Visit:
    """``rounds`` consecutive rounds of the rows of one size."""

    size: SizeKey
    rounds: int


@dataclass(frozen=True)
class Job:
    """What one process measures: every row of ``settings``, at least ``rounds`` rounds of each
    size (the deciding process), or exactly the visits of ``schedule`` (the others)."""

    settings: Settings
    process: int
    rounds: int
    # Time the deciding process's rounds may take beyond preparing the rows; unused by the
    # others.
    seconds: float
    # The visits an earlier process made: replay them, with no stop rule of their own. None for the
    # process that decides.
    schedule: tuple[Visit, ...] | None = None
    # The sizes prepared together, group by group, as the first process grouped them (free
    # memory differs between processes, and replayed visits must meet the same groups).
    # None: group by this process's free memory.
    groups: tuple[tuple[SizeKey, ...], ...] | None = None


@dataclass
class RowResult:
    row: RowId
    iterations: int
    compile_seconds: float | None
    final_params: np.ndarray
    samples: list[Sample]


@dataclass(frozen=True)
class RowInfo:
    """What a record says of its row beyond its calls, as the process that planned it knows
    it: the parent of worker processes loads no backend (``suite.run_settings``)."""

    row: RowId
    library: str
    device: str
    platform: str
    precision: str
    baseline: bool


def row_info(task: Task, settings: Settings) -> RowInfo:
    backend = task.contender.backend
    return RowInfo(
        row_id(task, settings),
        backend.name,
        str(backend.device),
        backend.platform,
        backend.matmul_precision(),
        task.contender.baseline,
    )


@dataclass
class JobResult:
    rows: list[RowResult]
    ceilings: dict[str, Ceiling]
    cpus: list[int]  # the CPUs its libraries started on
    schedule: list[Visit]  # the visits it made, in order
    groups: list[list[SizeKey]]  # the sizes it prepared together, group by group
    planned: list[RowInfo] = field(default_factory=list)  # every row, in the plan's order
    machine: dict[str, Any] | None = None  # what the first process ran on (``machine``)

    def rounds_by_size(self) -> dict[SizeKey, int]:
        counts: dict[SizeKey, int] = defaultdict(int)
        for visit in self.schedule:
            counts[visit.size] += visit.rounds
        return dict(counts)


def iterations_for(task: Task, settings: Settings) -> int:
    """K of a row: the workload's (or the one asked), and fewer for a baseline at sizes
    where that is slow; never from a timing."""
    k = settings.iterations or default_iterations(task.problem)
    if task.contender.baseline:
        k = min(k, baseline_iterations(task.problem))
    return k


def is_noisy(values: list[float], target: float) -> bool:
    """The interval of the calls' mean is wider than ``target`` either side (or too few
    calls to tell): the row's figure is not yet as precise as asked."""
    return not stopping.estimate(values).narrow(target)


def prepare_row(task: Task, settings: Settings) -> PreparedRow:
    problem = task.problem
    return prepare(
        task.contender,
        problem,
        settings.dtype,
        problem.stable_lr(),
        problem.initial_params(seed=SEED),
        iterations_for(task, settings),
    )


def time_round(
    rows: list[PreparedRow], samples: list[list[Sample]], job: Job, rng: random.Random
) -> None:
    """One round: each row timed once, in a new random order; calls appended to ``samples``."""
    order = list(range(len(rows)))
    rng.shuffle(order)
    round_index = len(samples[0]) if samples else 0
    for i in order:
        timed = rows[i].time_call()
        samples[i].append(
            Sample(
                timed.host_seconds,
                rows[i].iterations,
                round_index,
                job.process,
                timed.device_seconds,
            )
        )


def unranked(
    samples: dict[SizeKey, list[list[Sample]]], sizes: Sequence[SizeKey], target: float
) -> bool:
    """Some size of ``sizes`` whose rows are not ranked yet (``stopping.settled``)."""
    return any(
        not stopping.settled(
            [[s.seconds_per_iteration for s in own] for own in samples[size]], target
        )
        for size in sizes
    )


def time_visits(
    prepared: dict[SizeKey, list[PreparedRow]],
    job: Job,
    rng: random.Random,
    deadline: float,
    replay: Sequence[Visit] | None = None,
    clock: Callable[[], float] = time.perf_counter,
    progress: Callable[[float], None] | None = None,
) -> tuple[dict[SizeKey, list[list[Sample]]], list[Visit]]:
    """Rounds of the sizes of ``prepared``, visit by visit: exactly ``replay``'s if given;
    else a first cycle of ``job.rounds`` rounds of each size, then, while the rows of a size
    below ``MAX_ROUNDS`` are not ranked (``stopping``) and ``clock`` is before ``deadline``,
    cycles of visits of about ``VISIT_SECONDS`` (``VISIT_ROUNDS`` at most). Returns every
    row's calls and the visits made. ``progress`` is told the seconds spent after each
    visit."""
    began = clock()
    samples: dict[SizeKey, list[list[Sample]]] = {
        size: [[] for _ in rows] for size, rows in prepared.items()
    }
    visits: list[Visit] = []

    def visit(size: SizeKey, rounds: int, seconds: float) -> None:
        """``rounds`` rounds of ``size``, or as many as ``seconds`` allows (one at least)."""
        rows, own = prepared[size], samples[size]
        end = clock() + seconds
        done = 0
        while done < rounds and len(own[0]) < MAX_ROUNDS:
            time_round(rows, own, job, rng)
            done += 1
            if clock() >= end:
                break
        if done:
            visits.append(Visit(size, done))
        if progress is not None:
            progress(clock() - began)

    if replay is not None:
        for planned in replay:
            if planned.size in prepared:
                visit(planned.size, planned.rounds, math.inf)
        return samples, visits
    order = list(prepared)
    rng.shuffle(order)
    for size in order:  # the first cycle: every size's minimum
        visit(size, job.rounds, math.inf)
    target = job.settings.noise_target

    def open_sizes() -> list[SizeKey]:
        """Sizes below MAX_ROUNDS: more rounds can still narrow their rows' intervals."""
        return [s for s in prepared if len(samples[s][0]) < MAX_ROUNDS]

    while unranked(samples, open_sizes(), target) and clock() < deadline:
        cycle = open_sizes()
        rng.shuffle(cycle)
        for size in cycle:
            visit(size, VISIT_ROUNDS, VISIT_SECONDS)
            if clock() >= deadline or not unranked(samples, open_sizes(), target):
                break
    return samples, visits


def size_groups(problems: Sequence[Problem], dtype: str, free: int | None) -> list[list[int]]:
    """Indices of ``problems`` in groups whose rows fit in ``free`` bytes together (the plan
    checked that each fits alone), consecutive, as few as may be: usually one group."""
    groups: list[list[int]] = []
    used = 0
    for i, problem in enumerate(problems):
        need = needed_bytes(problem, dtype, MEASURE_COPIES)  # as the plan's check counts it
        if groups and (free is None or used + need <= free):
            groups[-1].append(i)
            used += need
        else:
            groups.append([i])
            used = need
    return groups


def work(job: Job, observer: Observer) -> JobResult:
    """Measure ``job`` in this process (a worker's whole life, or an in-process run)."""
    settings = job.settings
    observer = Prefixed(observer, f"process {job.process + 1} of {settings.processes}")
    with held(job.process, settings.threads) as hold:
        the_plan: Plan = plan(settings)  # the libraries start their pools on hold.cpus
        in_use = [c.backend for c in the_plan.contenders]
        hold.widen()
        with held_backends(in_use, settings.threads), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a diverging row disagrees
            ceilings = measure_ceilings(the_plan, observer)
            by_size: dict[SizeKey, list[Task]] = defaultdict(list)
            for task in the_plan.tasks:
                by_size[(task.problem.name, task.problem.size)].append(task)
            sizes = list(by_size)
            if job.groups is None:
                problems = [by_size[size][0].problem for size in sizes]
                fit = size_groups(problems, settings.dtype, available_bytes())
                groups = [[sizes[i] for i in group] for group in fit]
            else:
                groups = [[s for s in group if s in by_size] for group in job.groups]
                groups = [group for group in groups if group]
            rng = random.Random(1000 + job.process)
            left_seconds = job.seconds
            results: list[RowResult] = []
            schedule: list[Visit] = []
            observer.begin(len(sizes) + len(groups))
            for left, group in zip(range(len(groups), 0, -1), groups, strict=True):
                prepared: dict[SizeKey, list[PreparedRow]] = {}
                for size in group:
                    observer.row(f"preparing {size[0]} {size[1]:,} ({len(by_size[size])} rows)")
                    prepared[size] = [prepare_row(t, settings) for t in by_size[size]]
                    observer.done_row()
                start = time.perf_counter()
                share = max(0.0, left_seconds) / left
                deadline = start + share
                what = f"timing {len(group)} size{'s' * (len(group) > 1)}"
                if job.schedule is None:
                    limit = f"until ranked, at most {share:.0f} s"
                else:
                    limit = "the first process's rounds again"

                def progress(spent: float, what: str = what, limit: str = limit) -> None:
                    observer.row(f"{what}, {spent:.0f} s ({limit})")

                progress(0.0)
                samples, visits = time_visits(
                    prepared, job, rng, deadline, job.schedule, progress=progress
                )
                left_seconds -= time.perf_counter() - start
                schedule.extend(visits)
                for size in group:
                    results.extend(
                        RowResult(
                            row_id(task, settings),
                            row.iterations,
                            row.compile_seconds,
                            row.final_params,
                            own,
                        )
                        for task, row, own in zip(
                            by_size[size], prepared[size], samples[size], strict=True
                        )
                    )
                observer.done_row()
    planned = [row_info(task, settings) for task in the_plan.tasks]
    described = describe_machine(the_plan) if job.process == 0 else None
    return JobResult(results, ceilings, hold.cpus, schedule, groups, planned, described)


def describe_machine(the_plan: Plan) -> dict[str, Any]:
    """The machine block of a result: the run's backends (loaded here), every installed
    library's version (from metadata, nothing more imported)."""
    used = [backends.status(name) for name in dict.fromkeys(b.name for b in the_plan.backends)]
    return machine.describe(used, backends.versions())
