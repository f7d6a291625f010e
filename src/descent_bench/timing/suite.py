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

import functools
import math

from descent_bench.machine.gpu_roofs import gpu_roofs
from descent_bench.machine.state import snapshot, state
from descent_bench.records.run import SuiteResult
from descent_bench.records.settings import Settings, SettingsError
from descent_bench.reference.answer import Reference
from descent_bench.timing.merging import AnswerKey, answers, best_roofs, fastest_ceilings, merge
from descent_bench.timing.observer import Observer, Silent
from descent_bench.timing.planning import Plan, check, plan
from descent_bench.timing.rounds import Job, JobResult, work
from descent_bench.timing.rows import Row
from descent_bench.timing.visits import Visit
from descent_bench.timing.workers import Worker, WorkerFailed, run_in_worker

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
    # The next process's worker, started once the current one has made its last timed call.
    upcoming: list[Worker] = []

    known: dict[AnswerKey, Reference] = {}

    def measured(process: int) -> None:
        """Process ``process`` made its last timed call: start the next one's worker, or
        after the last, compute the references while it hands back its result."""
        if process + 1 < count:
            if not upcoming:
                upcoming.append(Worker(process + 1, settings))
        elif results:
            known.update(answers(settings, results[0].rows))

    try:
        for process in range(count):
            first = results[0] if results else None
            schedule = tuple(first.schedule) if first else (in_step and in_step[0])
            groups = tuple(tuple(g) for g in first.groups) if first else (in_step and in_step[1])
            planned = tuple(first.planned) if first else rows
            seconds = settings.budget_seconds / count
            digests = {m.row: m.digest for m in first.rows if m.digest} if first else None
            job = Job(
                settings,
                process,
                rounds,
                seconds,
                schedule or None,
                groups or None,
                planned,
                digests,
            )
            if local:
                result = work(job, observer)
            else:
                started = upcoming.pop() if upcoming else None
                result = run_in_worker(
                    job, observer, started, on_measured=functools.partial(measured, process)
                )
            results.append(result)
    finally:
        for worker in upcoming:
            worker.close()
    during = state(before, snapshot())
    machine = results[0].machine
    gpu = gpu_roofs(machine.get("gpu_used") if machine else None)
    return SuiteResult(
        settings=settings,
        records=merge(settings, results, known, gpu),
        ceilings=fastest_ceilings(results),
        processes=hosts,
        main_process=main_process,
        workers=count,
        cpus=tuple(tuple(r.cpus) for r in results),
        machine_state=during,
        machine=results[0].machine,
        roofs=best_roofs(results),
        gpu_roofs=gpu,
    )
