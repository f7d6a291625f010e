"""One process's share of a run: interleaved rounds with a noise stop.

For each problem size, every row is prepared (placed, compiled, warmed up, checked), then
timed once per round, the rows in a new random order each round, so a burst of load or a
drift hits every row alike. The first process decides each size's rounds: after the job's
minimum, rounds go on while some row's relative noise is above the target, until the job's
time is spent (the time left is shared among the sizes still to come). Later processes run
as many rounds per size as it did, so every process weighs alike in the bootstrap, which
draws whole processes.
"""

from __future__ import annotations

import math
import random
import time
import warnings
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from descent_bench.measurement import statistics
from descent_bench.measurement.ceilings import Ceiling, measure_ceilings
from descent_bench.measurement.planning import (
    MAX_ROUNDS,
    Observer,
    Plan,
    Settings,
    Task,
    plan,
)
from descent_bench.measurement.records import Sample
from descent_bench.measurement.threads import held, held_backends
from descent_bench.measurement.timing import PreparedRow, prepare
from descent_bench.measurement.workloads import SEED, baseline_iterations, default_iterations

RowKey = tuple[str, str, int]  # label, problem, size
SizeKey = tuple[str, int]  # problem, size


def row_key(task: Task) -> RowKey:
    return (task.contender.label, task.problem.name, task.problem.size)


@dataclass(frozen=True)
class Job:
    """What one process measures: every row of ``settings``, ``rounds`` rounds or more (the
    deciding process), or exactly ``rounds_by_size`` (the others)."""

    settings: Settings
    process: int
    rounds: int
    # Time the deciding process's rounds may take beyond preparing the rows, shared among
    # the sizes; unused by the others.
    seconds: float
    # Rounds per (problem, size) that an earlier process ran: run exactly as many, with no
    # noise stop. Empty for the process that decides.
    rounds_by_size: Mapping[SizeKey, int] = field(default_factory=dict)


@dataclass
class RowResult:
    key: RowKey
    iterations: int
    compile_seconds: float | None
    final_params: np.ndarray
    overhead_seconds: float
    samples: list[Sample]


@dataclass
class JobResult:
    rows: list[RowResult]
    ceilings: dict[str, Ceiling]
    cpus: list[int]  # the CPUs its libraries started on
    rounds_by_size: dict[SizeKey, int]  # the rounds it ran per (problem, size)


def iterations_for(task: Task, settings: Settings) -> int:
    """K of a row: the workload's (or the one asked), and fewer for a baseline at sizes
    where that is slow; never from a timing."""
    k = settings.iterations or default_iterations(task.problem)
    if task.contender.baseline:
        k = min(k, baseline_iterations(task.problem))
    return k


def is_noisy(values: list[float], target: float) -> bool:
    """Above ``target``, or too few calls to tell (the IQR of two calls is half their
    range, small by chance as often as not)."""
    if len(values) < 3:
        return True
    noise = statistics.relative_noise(values)
    return math.isnan(noise) or noise > target


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


def time_rounds(
    rows: list[PreparedRow],
    job: Job,
    rng: random.Random,
    deadline: float,
    fixed_rounds: int | None = None,
) -> list[list[Sample]]:
    """Rounds over ``rows``: exactly ``fixed_rounds`` if given; else at least
    ``job.rounds``, more while a row is noisy and the clock is before ``deadline``."""
    samples: list[list[Sample]] = [[] for _ in rows]
    target = job.settings.noise_target
    count = MAX_ROUNDS if fixed_rounds is None else max(0, min(fixed_rounds, MAX_ROUNDS))
    for round_index in range(count):
        order = list(range(len(rows)))
        rng.shuffle(order)
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
        if fixed_rounds is not None or round_index + 1 < job.rounds:
            continue
        per_iteration = [[s.seconds_per_iteration for s in own] for own in samples]
        if not any(is_noisy(v, target) for v in per_iteration):
            break
        if time.perf_counter() >= deadline:
            break
    return samples


def work(job: Job, observer: Observer) -> JobResult:
    """Measure ``job`` in this process (a worker's whole life, or an in-process run)."""
    settings = job.settings
    with held(job.process, settings.threads) as hold:
        the_plan: Plan = plan(settings)  # the libraries start their pools on hold.cpus
        in_use = [c.backend for c in the_plan.contenders]
        hold.widen()
        with held_backends(in_use, settings.threads), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a diverging row disagrees
            ceilings = measure_ceilings(the_plan, observer)
            by_size: dict[tuple[str, int], list[Task]] = defaultdict(list)
            for task in the_plan.tasks:
                by_size[(task.problem.name, task.problem.size)].append(task)
            rng = random.Random(1000 + job.process)
            end = time.perf_counter() + job.seconds
            results: list[RowResult] = []
            rounds_by_size: dict[SizeKey, int] = {}
            observer.begin(len(by_size))
            for left, ((name, size), tasks) in zip(
                range(len(by_size), 0, -1), by_size.items(), strict=True
            ):
                observer.row(f"process {job.process + 1}: {name} {size:,}")
                start = time.perf_counter()
                rows = [prepare_row(task, settings) for task in tasks]
                keys = [row_key(task) for task in tasks]
                now = time.perf_counter()
                end += now - start  # preparing (compiling) is not the rounds' time
                deadline = now + max(0.0, end - now) / left
                fixed = job.rounds_by_size.get((name, size))
                samples = time_rounds(rows, job, rng, deadline, fixed)
                rounds_by_size[(name, size)] = len(samples[0]) if samples else 0
                results.extend(
                    RowResult(
                        key,
                        row.iterations,
                        row.compile_seconds,
                        row.final_params,
                        row.overhead_seconds,
                        own,
                    )
                    for key, row, own in zip(keys, rows, samples, strict=True)
                )
                del rows  # the next size's arrays need the room
                observer.done_row()
    return JobResult(results, ceilings, hold.cpus, rounds_by_size)
