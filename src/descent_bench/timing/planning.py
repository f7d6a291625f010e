"""What a run measures: plain ``Settings`` checked (``check``: what needs no library, once,
before any work starts; ``SettingsError`` names the setting) and turned into the rows to
measure (``plan``: loads the backends, in the process that measures first)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

from descent_bench import backends
from descent_bench.backends import Backend, BackendUnavailable
from descent_bench.kernels import PROBLEMS, Problem, capabilities
from descent_bench.machine.memory import MEASURE_COPIES, shortfall
from descent_bench.records.settings import (
    DTYPES,
    MAX_ROUNDS,
    MIN_ROUNDS,
    Settings,
    SettingsError,
)
from descent_bench.reference.description import step_mismatch
from descent_bench.timing.rows import COMPILED, Row, rows, runner
from descent_bench.timing.sizes import sizes_for
from descent_bench.timing.workloads import call_iterations, make_problem, row_iterations


@dataclass(frozen=True)
class Plan:
    """The rows ``settings`` asks for, in the order they are reported."""

    settings: Settings
    rows: tuple[Row, ...]

    def used(self) -> list[Backend]:
        """The registered backends whose arrays the rows use, loaded (one object each)."""
        return used(self.rows)


def used(planned: Sequence[Row]) -> list[Backend]:
    """The registered backends of ``planned``, loaded, in order of first use."""
    return [backends.load(name) for name in dict.fromkeys(r.backend for r in planned)]


def check_backend_name(name: str) -> None:
    try:
        backends.get(name)
    except KeyError as exc:
        raise SettingsError("backends", str(exc.args[0])) from None


def chosen_backends(names: Sequence[str] | None) -> list[Backend]:
    """The named backends, loaded, or every usable one meant for comparison (a backend not
    meant for it, e.g. torch, is not even imported)."""
    if names is None:
        meant = [backends.get(n) for n in backends.names() if backends.get(n).in_default_compare]
        return [b for b in meant if b.unavailable_reason() is None]  # loaded by the check
    chosen = []
    for name in names:
        check_backend_name(name)
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


def check_run_settings(settings: Settings) -> None:
    if settings.dtype not in DTYPES:
        raise SettingsError("dtype", f"unknown {settings.dtype!r} (choose from float64, float32)")
    for name in ("threads", "processes"):
        if getattr(settings, name) < 1:
            raise SettingsError(name, "must be a whole number of at least 1")
    if not MIN_ROUNDS <= settings.min_rounds <= MAX_ROUNDS:
        raise SettingsError(
            "min-rounds",
            f"must be between {MIN_ROUNDS} (every row, baselines too, is timed that often) "
            f"and {MAX_ROUNDS}",
        )
    if not 0 < settings.noise_target < 10:
        raise SettingsError("noise-target", "must be a fraction above 0 (e.g. 0.05 for 5%)")
    if not 0 <= settings.budget_seconds <= 10**6:
        raise SettingsError("budget", "must be between 0 and 1e6 seconds")


def problem_sizes(settings: Settings) -> list[tuple[str, tuple[int, ...]]]:
    """Each problem of ``settings`` with the sizes it runs at (``SettingsError`` for an
    unknown problem)."""
    itemsize = 8 if settings.dtype == "float64" else 4
    chosen = []
    for name in settings.problems or tuple(PROBLEMS):
        if name not in PROBLEMS:
            known = ", ".join(PROBLEMS)
            raise SettingsError("problems", f"unknown problem {name!r} (choose from {known})")
        chosen.append((name, settings.sizes or sizes_for(name, itemsize, settings.thorough)))
    return chosen


def sized_problem(name: str, size: int, dtype: str) -> Problem:
    """Problem ``name`` at ``size``, checked to fit in memory (``SettingsError``)."""
    try:
        problem = make_problem(name, size)
    except ValueError as exc:
        raise SettingsError("sizes", f"{name}: {exc}") from None
    too_big = shortfall(problem, dtype, copies=MEASURE_COPIES)
    if too_big:
        raise SettingsError("sizes", too_big)
    return problem


def check(settings: Settings) -> None:
    """What can be checked of ``settings`` without loading a backend: the run's settings,
    backend and problem names, sizes and memory, and that each problem's step does what it
    describes (at its smallest size: ``reference.description``) (``SettingsError``)."""
    check_run_settings(settings)
    for name in settings.backends or ():
        check_backend_name(name)
    for name, sizes in problem_sizes(settings):
        problems = [sized_problem(name, size, settings.dtype) for size in sizes]
        mismatch = step_mismatch(min(problems, key=lambda p: p.size))
        if mismatch:
            raise SettingsError("problems", mismatch)


def iterations_for(row: Row, problem: Problem, settings: Settings) -> int:
    """K of a row: the workload's (or the one asked), and fewer for a baseline or a backend
    with a round trip per iteration at sizes where that is slow; never from a timing."""
    k = settings.iterations or call_iterations(problem)
    few = row.baseline or backends.get(row.backend).round_trip_per_iteration
    return min(k, row_iterations(problem, few=True)) if few else k


def plan(settings: Settings) -> Plan:
    """The rows ``settings`` asks for (checked by ``check`` before): the backends loaded, a
    row kept where it can run here and has a loop for its problem (a compiled variant whose
    compiler is missing is left out with a warning saying why; the eager rows still run)."""
    chosen = chosen_backends(settings.backends)
    check_device_counts(chosen, settings.device_counts)
    counts = tuple(dict.fromkeys(settings.device_counts))
    quick = settings.sizes is None and not settings.thorough
    names = [b.name for b in chosen]
    planned: list[Row] = []
    left_out: dict[str, str] = {}
    for name, sizes in problem_sizes(settings):
        for size in sizes:
            problem = make_problem(name, size)
            # A problem without a layout over devices runs its one-device rows only.
            splits = capabilities.splits_over_devices(problem)
            for row in rows(names, name, size, settings.dtype, 1, settings.threads, counts):
                if (
                    (row.held_against and not settings.with_baselines)
                    or (row.devices > 1 and not splits)
                    # A quick run times the slow baselines at the smallest size only.
                    or (quick and row.baseline and size != min(sizes))
                ):
                    continue
                try:
                    made = runner(row)
                except BackendUnavailable as exc:
                    if row.loop != COMPILED:
                        raise
                    left_out.setdefault(row.label, str(exc))
                    continue
                if made.make_loop(problem) is not None:
                    planned.append(replace(row, iterations=iterations_for(row, problem, settings)))
    for label, reason in left_out.items():
        warnings.warn(f"{label} left out: {reason}", stacklevel=2)
    return Plan(settings, tuple(planned))
