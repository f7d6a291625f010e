"""The measurement suite: rows for problems x sizes x contenders, measured and checked.

``plan`` (``planning``) turns plain ``Settings`` into the rows to measure. ``run`` spreads
the rounds over worker processes run one after the other (``rounds``, ``workers``): the first
decides its visits of the sizes and their rounds, and the others replay them. It merges
every process's calls per row, checks each process's result against the one reference
(``reference``: exact where the problem's mathematics allows),
and returns typed ``Record``s. The command line, the asv suite and the pytest-benchmark suite
all build their rows here.
"""

from __future__ import annotations

import math
import statistics as stdlib_statistics

import numpy as np

from descent_bench.measurement.ceilings import CEILING_BYTES, measure_ceilings
from descent_bench.measurement.contenders import contenders
from descent_bench.measurement.machine_state import snapshot, state
from descent_bench.measurement.planning import (
    DTYPES,
    Observer,
    Plan,
    Settings,
    SettingsError,
    Silent,
    Task,
    check_settings,
    chosen_backends,
    plan,
)
from descent_bench.measurement.records import (
    TUTORIAL,
    Ceiling,
    Record,
    RowId,
    SuiteResult,
    gbytes_per_second,
)
from descent_bench.measurement.reference import bound, max_rel_diff, reference
from descent_bench.measurement.rounds import (
    Job,
    JobResult,
    RowInfo,
    RowResult,
    SizeKey,
    Visit,
    is_noisy,
    work,
)
from descent_bench.measurement.workers import WorkerFailed, run_in_worker
from descent_bench.measurement.workloads import make_problem

__all__ = [
    "CEILING_BYTES",
    "DTYPES",
    "TUTORIAL",
    "Ceiling",
    "Observer",
    "Plan",
    "Settings",
    "SettingsError",
    "Silent",
    "SuiteResult",
    "Task",
    "WorkerFailed",
    "check_settings",
    "chosen_backends",
    "contenders",
    "measure_ceilings",
    "plan",
    "run",
    "run_settings",
]


def multi_host(the_plan: Plan) -> bool:
    """The backends joined a multi-host run (several processes make each call together)."""
    return any(c.backend.process_count() > 1 for c in the_plan.contenders)


def in_process(the_plan: Plan) -> bool:
    """Rounds run in this process when asked (--processes 1), or when the backends already
    joined a multi-host run, whose processes cannot be replaced by fresh ones."""
    return the_plan.settings.processes == 1 or multi_host(the_plan)


def run(the_plan: Plan, observer: Observer | None = None) -> SuiteResult:
    """Measure every row of ``the_plan``: each worker process measures the ceilings, then
    every size's rows in interleaved rounds, visiting the sizes in turn. ``WorkerFailed`` if
    a worker dies."""
    settings = the_plan.settings
    rows = [c.backend for c in the_plan.contenders]
    # Hosts of a multi-host run make collective calls together, so their calls must come in
    # the same order: no stop rule (each host's own would leave the others waiting), one
    # size at a time (free memory may differ between hosts), each size's minimum rounds in
    # one visit.
    together = multi_host(the_plan)
    in_step = None
    if together:
        sizes = tuple(dict.fromkeys((t.problem.name, t.problem.size) for t in the_plan.tasks))
        rounds = per_process_rounds(settings, 1)
        in_step = (tuple(Visit(size, rounds) for size in sizes), tuple((s,) for s in sizes))
    return measured(
        settings,
        observer,
        local=in_process(the_plan),
        in_step=in_step,
        hosts=max(b.process_count() for b in rows),
        main_process=all(b.process_index() == 0 for b in rows),
    )


def run_settings(settings: Settings, observer: Observer | None = None) -> SuiteResult:
    """``run(plan(settings))`` for one host, planned where the rounds run: what needs no
    library is checked here first (``SettingsError``); then the first worker process plans
    (its ``SettingsError`` comes back as one) and its rows and machine description come back
    with its calls, so this process loads no backend; with ``processes`` 1, ``work`` plans
    in this process under the held CPUs."""
    check_settings(settings)
    # In this process (--processes 1), ``work`` plans under the held CPUs, so the libraries
    # size their pools to --threads: planning here first would start them on every CPU.
    local = settings.processes == 1
    return measured(settings, observer, local=local, in_step=None, hosts=1, main_process=True)


def per_process_rounds(settings: Settings, processes: int) -> int:
    return max(1, math.ceil(settings.min_rounds / processes))


def measured(
    settings: Settings,
    observer: Observer | None,
    *,
    local: bool,
    in_step: tuple[tuple[Visit, ...], tuple[tuple[SizeKey, ...], ...]] | None,
    hosts: int,
    main_process: bool,
) -> SuiteResult:
    """The rounds of ``settings`` in this process (``local``) or spread over worker
    processes, the first deciding the groups and visits and the others replaying them."""
    observer = observer or Silent()
    count = 1 if local else settings.processes
    rounds = per_process_rounds(settings, count)
    before = snapshot()
    results: list[JobResult] = []
    for process in range(count):
        schedule = tuple(results[0].schedule) if results else (in_step and in_step[0])
        groups = tuple(tuple(g) for g in results[0].groups) if results else (in_step and in_step[1])
        seconds = settings.budget_seconds / count
        job = Job(settings, process, rounds, seconds, schedule or None, groups or None)
        result = work(job, observer) if local else run_in_worker(job, observer)
        results.append(result)
    during = state(before, snapshot())
    return SuiteResult(
        settings=settings,
        records=merge(settings, results),
        ceilings=fastest_ceilings(results),
        processes=hosts,
        main_process=main_process,
        workers=count,
        cpus=tuple(tuple(r.cpus) for r in results),
        machine_state=during,
        machine=results[0].machine,
    )


def fastest_ceilings(results: list[JobResult]) -> dict[str, Ceiling]:
    """Each platform's ceiling: the fastest any process measured."""
    best: dict[str, Ceiling] = {}
    for result in results:
        for platform, ceiling in result.ceilings.items():
            if platform not in best or ceiling.gbytes_per_second > best[platform].gbytes_per_second:
                best[platform] = ceiling
    return best


def merge(settings: Settings, results: list[JobResult]) -> list[Record]:
    """One record per row, in the plan's order: every process's calls, checked against the
    reference."""
    ceilings = fastest_ceilings(results)
    by_row: dict[RowId, list[RowResult]] = {}
    for result in results:
        for row in result.rows:
            by_row.setdefault(row.row, []).append(row)
    return [
        record(settings, info, by_row[info.row], ceilings)
        for info in results[0].planned
        if by_row.get(info.row)
    ]


def record(
    settings: Settings,
    info: RowInfo,
    parts: list[RowResult],
    ceilings: dict[str, Ceiling],
) -> Record:
    row = info.row
    problem = make_problem(row.problem, row.size)
    k = parts[0].iterations
    answer = reference(problem, k, problem.stable_lr())
    diff = max(max_rel_diff(p.final_params, answer.params) for p in parts)
    samples = tuple(s for p in parts for s in p.samples)
    per_iteration = [s.seconds_per_iteration for s in samples]
    seconds = stdlib_statistics.median(per_iteration)
    nbytes = problem.bytes_per_iteration(np.dtype(settings.dtype).itemsize)
    ceiling = ceilings.get(info.platform)
    compiles = [p.compile_seconds for p in parts if p.compile_seconds is not None]
    return Record(
        backend=row.label,
        library=info.library,
        device=info.device,
        problem=row.problem,
        size=row.size,
        dtype=settings.dtype,
        iterations=k,
        compile_seconds=stdlib_statistics.median(compiles) if compiles else None,
        seconds_per_iteration=seconds,
        bytes_per_iteration=nbytes,
        bandwidth_fraction=(
            gbytes_per_second(nbytes, seconds) / ceiling.gbytes_per_second if ceiling else None
        ),
        max_rel_diff=diff,
        agrees=diff <= bound(settings.dtype, k, problem.coupled_params),
        baseline=info.baseline,
        devices=row.devices,
        samples=samples,
        reference=answer.kind,
        threads=settings.threads,
        noisy=is_noisy(per_iteration, settings.noise_target),
        platform=info.platform,
        precision=info.precision,
    )
