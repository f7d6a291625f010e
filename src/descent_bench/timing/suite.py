"""The measurement suite: rows for problems x sizes x backends, measured and checked.

``planning.check`` checks plain ``Settings`` once, before any work; ``planning.plan`` turns
them into the rows to measure. ``run_settings`` spreads the rounds over worker processes run
one after the other (``rounds``, ``workers``): the first plans the rows and decides its
visits of the sizes, and the others take its rows and replay its visits. It merges every
process's calls per row, checks each process's answer against the one reference
(``reference``: exact where the problem's mathematics allows), and returns typed
``Record``s. The command line, the asv suite and the pytest-benchmark suite all measure here.
"""

from __future__ import annotations

import math
import statistics as stdlib_statistics
from dataclasses import replace
from typing import Any

import numpy as np

from descent_bench.kernels import Problem, capabilities
from descent_bench.machine.roofs import DRAM, data_level
from descent_bench.machine.state import snapshot, state
from descent_bench.records.record import Record, gbytes_per_second
from descent_bench.records.run import Ceiling, Roofs, SuiteResult
from descent_bench.records.settings import Settings, SettingsError
from descent_bench.reference.answer import reference
from descent_bench.reference.bound import max_rel_diff
from descent_bench.timing.observer import Observer, Silent
from descent_bench.timing.planning import Plan, check, plan
from descent_bench.timing.rounds import Job, JobResult, MeasuredRow, work
from descent_bench.timing.rows import Row
from descent_bench.timing.stopping import is_noisy
from descent_bench.timing.visits import Visit
from descent_bench.timing.workers import WorkerFailed, run_in_worker
from descent_bench.timing.workloads import make_problem

__all__ = [
    "Plan",
    "Settings",
    "SettingsError",
    "SuiteResult",
    "WorkerFailed",
    "check",
    "plan",
    "run",
    "run_settings",
]


def run(the_plan: Plan, observer: Observer | None = None) -> SuiteResult:
    """Measure the rows of ``the_plan`` (planned in this process, its backends loaded): in
    this process where asked (--processes 1) or where the backends joined a multi-host run,
    whose processes cannot be replaced by fresh ones; else in worker processes that take
    these rows. ``WorkerFailed`` if a worker dies."""
    settings = the_plan.settings
    used = the_plan.used()
    hosts = max((b.process_count() for b in used), default=1)
    # Hosts of a multi-host run make collective calls together, so their calls must come in
    # the same order: no stop rule (each host's own would leave the others waiting), one
    # size at a time (free memory may differ between hosts), each size's minimum rounds in
    # one visit.
    in_step = None
    if hosts > 1:
        sizes = tuple(dict.fromkeys((r.problem, r.size) for r in the_plan.rows))
        rounds = per_process_rounds(settings, 1)
        in_step = (tuple(Visit(size, rounds) for size in sizes), tuple((s,) for s in sizes))
    return measured(
        settings,
        observer,
        local=settings.processes == 1 or hosts > 1,
        in_step=in_step,
        hosts=hosts,
        main_process=all(b.process_index() == 0 for b in used),
        rows=the_plan.rows,
    )


def run_settings(settings: Settings, observer: Observer | None = None) -> SuiteResult:
    """``settings`` measured on one host, checked before by ``check`` (what needs no
    library): the first worker process plans (its ``SettingsError`` comes back as one) and
    its rows and machine description come back with its calls, so this process loads no
    backend; with ``processes`` 1, ``work`` plans in this process under the held CPUs, so the
    libraries size their pools to --threads."""
    local = settings.processes == 1
    return measured(settings, observer, local=local, in_step=None, hosts=1, main_process=True)


def per_process_rounds(settings: Settings, processes: int) -> int:
    return max(1, math.ceil(settings.min_rounds / processes))


def measured(
    settings: Settings,
    observer: Observer | None,
    *,
    local: bool,
    in_step: tuple[tuple[Visit, ...], tuple[tuple[tuple[str, int], ...], ...]] | None,
    hosts: int,
    main_process: bool,
    rows: tuple[Row, ...] | None = None,
) -> SuiteResult:
    """The rounds of ``settings`` in this process (``local``) or spread over worker
    processes, the first deciding the rows, groups and visits and the others replaying
    them."""
    observer = observer or Silent()
    count = 1 if local else settings.processes
    rounds = per_process_rounds(settings, count)
    before = snapshot()
    results: list[JobResult] = []
    for process in range(count):
        first = results[0] if results else None
        schedule = tuple(first.schedule) if first else (in_step and in_step[0])
        groups = tuple(tuple(g) for g in first.groups) if first else (in_step and in_step[1])
        planned = tuple(first.planned) if first else rows
        seconds = settings.budget_seconds / count
        job = Job(settings, process, rounds, seconds, schedule or None, groups or None, planned)
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
        roofs=best_roofs(results),
    )


def fastest_ceilings(results: list[JobResult]) -> dict[str, Ceiling]:
    """Each platform's ceiling: the fastest any process measured."""
    best: dict[str, Ceiling] = {}
    for result in results:
        for platform, ceiling in result.ceilings.items():
            if platform not in best or ceiling.gbytes_per_second > best[platform].gbytes_per_second:
                best[platform] = ceiling
    return best


def best_roofs(results: list[JobResult]) -> Roofs | None:
    """The roofs: each the best any process measured (a roof is what nothing beats)."""
    found = [r.roofs for r in results if r.roofs is not None]
    if not found:
        return None
    reads = {
        k: max(r.read_gbytes_per_second.get(k, 0.0) for r in found)
        for k in found[0].read_gbytes_per_second
    }
    updates = {
        k: max(r.update_gbytes_per_second.get(k, 0.0) for r in found)
        for k in found[0].update_gbytes_per_second
    }
    peaks = {
        k: min(r.peak_seconds_per_point.get(k, math.inf) for r in found)
        for k in found[0].peak_seconds_per_point
    }
    return replace(
        found[0],
        read_gbytes_per_second=reads,
        update_gbytes_per_second=updates,
        peak_seconds_per_point=peaks,
    )


def merge(settings: Settings, results: list[JobResult]) -> list[Record]:
    """One record per row, in the plan's order: every process's calls, checked against the
    reference, and placed under its roofs."""
    ceilings = fastest_ceilings(results)
    roofs = best_roofs(results)
    by_row: dict[Row, list[MeasuredRow]] = {}
    for result in results:
        for part in result.rows:
            by_row.setdefault(part.row, []).append(part)
    return [record(settings, by_row[m.row], ceilings, roofs) for m in results[0].rows]


def record(
    settings: Settings,
    parts: list[MeasuredRow],
    ceilings: dict[str, Ceiling],
    roofs: Roofs | None = None,
) -> Record:
    first = parts[0]
    row = first.row
    problem = make_problem(row.problem, row.size)
    k = row.iterations
    # The exact answer of the problem as the row sees it (its dtype, its phrasing's data),
    # and the row's tolerance, from how its backend's sums run.
    answer = reference(problem, k, problem.stable_lr(), settings.dtype, first.form)
    tolerance = answer.tolerance(settings.dtype, k, first.accumulation)
    diff = max(max_rel_diff(p.final_params, answer.params) for p in parts)
    samples = tuple(s for p in parts for s in p.samples)
    per_iteration = [s.seconds_per_iteration for s in samples]
    seconds = stdlib_statistics.median(per_iteration)
    nbytes = problem.bytes_per_iteration(np.dtype(settings.dtype).itemsize)
    ceiling = ceilings.get(first.platform)
    compiles = [p.compile_seconds for p in parts if p.compile_seconds is not None]
    return Record(
        backend=row.label,
        library=row.backend,
        device=first.device,
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
        agrees=diff <= tolerance.value,
        baseline=row.baseline,
        devices=row.devices,
        samples=samples,
        reference=answer.kind,
        threads=settings.threads,
        noisy=is_noisy(per_iteration, settings.noise_target),
        platform=first.platform,
        precision=first.precision,
        loop=row.loop,
        tolerance=tolerance.value,
        bound_model=tolerance.model,
        notes=first.notes,
        overhead_seconds=_median_overhead(parts),
        overhead=next((p.overhead.what for p in parts if p.overhead), ""),
        **roofline(
            problem, nbytes, settings.dtype, ceiling if first.platform == "cpu" else None, roofs
        ),
    )


def roofline(
    problem: Problem, nbytes: int, dtype: str, ceiling: Ceiling | None, roofs: Roofs | None
) -> dict[str, Any]:
    """A CPU row's place under its roofs (``Record.data_in`` and the two roofs' seconds per
    iteration); nothing where the roofs were not measured."""
    if roofs is None or ceiling is None:
        return {}
    level = data_level(
        capabilities.resident_bytes(problem, np.dtype(dtype).itemsize), roofs.cache_bytes
    )
    work = capabilities.arithmetic(problem)
    if work is not None and work.updates:
        rate = roofs.update_gbytes_per_second[level]
    else:
        # from memory: the best of the roofs' reads and the run's streaming ceiling
        known = roofs.read_gbytes_per_second.get(level, 0.0)
        rate = max(known, ceiling.gbytes_per_second) if level == DRAM else known
    peak = roofs.peak_seconds_per_point.get(work.mix) if work is not None else None
    return {
        "data_in": level,
        "memory_roof_seconds": nbytes / (rate * 1e9),
        "compute_roof_seconds": None if peak is None or work is None else work.points * peak,
    }


def _median_overhead(parts: list[MeasuredRow]) -> float | None:
    found = [p.overhead.seconds_per_iteration for p in parts if p.overhead is not None]
    return stdlib_statistics.median(found) if found else None
