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
    RowResult,
    Visit,
    is_noisy,
    row_id,
    work,
)
from descent_bench.measurement.workers import WorkerFailed, run_in_worker

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
    "chosen_backends",
    "contenders",
    "measure_ceilings",
    "plan",
    "run",
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
    observer = observer or Silent()
    settings = the_plan.settings
    local = in_process(the_plan)
    count = 1 if local else settings.processes
    per_process_rounds = max(1, math.ceil(settings.min_rounds / count))
    before = snapshot()
    results: list[JobResult] = []
    # Hosts of a multi-host run make collective calls together, so their calls must come in
    # the same order: no noise stop (each host's own would leave the others waiting), one
    # size at a time (free memory may differ between hosts), each size's minimum rounds in
    # one visit.
    sizes = tuple(dict.fromkeys((t.problem.name, t.problem.size) for t in the_plan.tasks))
    together = multi_host(the_plan)
    in_step = tuple(Visit(size, per_process_rounds) for size in sizes) if together else None
    one_by_one = tuple((size,) for size in sizes) if together else None
    for process in range(count):
        # The first process decides the groups, visits and rounds; the others replay them.
        schedule = tuple(results[0].schedule) if results else in_step
        groups = tuple(tuple(g) for g in results[0].groups) if results else one_by_one
        seconds = settings.budget_seconds / count
        job = Job(settings, process, per_process_rounds, seconds, schedule, groups)
        result = work(job, observer) if local else run_in_worker(job, observer)
        results.append(result)
    during = state(before, snapshot())
    records = merge(the_plan, results)
    rows = [c.backend for c in the_plan.contenders]
    return SuiteResult(
        settings=settings,
        records=records,
        ceilings=fastest_ceilings(results),
        processes=max(b.process_count() for b in rows),
        main_process=all(b.process_index() == 0 for b in rows),
        workers=count,
        cpus=tuple(tuple(r.cpus) for r in results),
        machine_state=during,
    )


def fastest_ceilings(results: list[JobResult]) -> dict[str, Ceiling]:
    """Each platform's ceiling: the fastest any process measured."""
    best: dict[str, Ceiling] = {}
    for result in results:
        for platform, ceiling in result.ceilings.items():
            if platform not in best or ceiling.gbytes_per_second > best[platform].gbytes_per_second:
                best[platform] = ceiling
    return best


def merge(the_plan: Plan, results: list[JobResult]) -> list[Record]:
    """One record per row: every process's calls, checked against the reference."""
    settings = the_plan.settings
    ceilings = fastest_ceilings(results)
    by_row: dict[RowId, list[RowResult]] = {}
    for result in results:
        for row in result.rows:
            by_row.setdefault(row.row, []).append(row)
    records = []
    for task in the_plan.tasks:
        parts = by_row.get(row_id(task, settings))
        if parts:
            records.append(record(settings, task, parts, ceilings))
    return records


def record(
    settings: Settings,
    task: Task,
    parts: list[RowResult],
    ceilings: dict[str, Ceiling],
) -> Record:
    problem, contender = task.problem, task.contender
    k = parts[0].iterations
    answer = reference(problem, k, problem.stable_lr())
    diff = max(max_rel_diff(p.final_params, answer.params) for p in parts)
    samples = tuple(s for p in parts for s in p.samples)
    per_iteration = [s.seconds_per_iteration for s in samples]
    seconds = stdlib_statistics.median(per_iteration)
    nbytes = problem.bytes_per_iteration(np.dtype(settings.dtype).itemsize)
    ceiling = ceilings.get(contender.backend.platform)
    compiles = [p.compile_seconds for p in parts if p.compile_seconds is not None]
    return Record(
        backend=contender.label,
        library=contender.backend.name,
        device=str(contender.backend.device),
        problem=problem.name,
        size=problem.size,
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
        baseline=contender.baseline,
        devices=contender.backend.n_devices,
        samples=samples,
        reference=answer.kind,
        threads=settings.threads,
        noisy=is_noisy(per_iteration, settings.noise_target),
        platform=contender.backend.platform,
        precision=contender.backend.matmul_precision(),
    )
