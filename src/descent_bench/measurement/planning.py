"""What a run measures: plain ``Settings`` turned into rows, every setting checked before any
work starts (``SettingsError`` names the setting), and the observer told of progress."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from descent_bench import backends
from descent_bench.backends import Backend
from descent_bench.kernels import PROBLEMS, Problem, capabilities
from descent_bench.measurement.contenders import Contender, contenders
from descent_bench.measurement.memory import MEASURE_COPIES, shortfall
from descent_bench.measurement.settings import (
    DTYPES,
    MAX_ROUNDS,
    MIN_ROUNDS,
    Settings,
    SettingsError,
)
from descent_bench.measurement.sizes import sizes_for
from descent_bench.measurement.workloads import make_problem


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


class Observer(Protocol):
    """Told what the suite is doing, e.g. to draw a progress bar."""

    def note(self, message: str) -> None: ...

    def begin(self, total: int) -> None: ...

    def row(self, description: str) -> None: ...

    def done_row(self) -> None: ...


class Prefixed:
    """``observer`` with every message prefixed by ``prefix`` (e.g. which worker)."""

    def __init__(self, observer: Observer, prefix: str) -> None:
        self.observer = observer
        self.prefix = prefix

    def note(self, message: str) -> None:
        self.observer.note(f"{self.prefix}: {message}")

    def begin(self, total: int) -> None:
        self.observer.begin(total)

    def row(self, description: str) -> None:
        self.observer.row(f"{self.prefix}: {description}")

    def done_row(self) -> None:
        self.observer.done_row()


class Silent:
    def note(self, message: str) -> None:
        pass

    def begin(self, total: int) -> None:
        pass

    def row(self, description: str) -> None:
        pass

    def done_row(self) -> None:
        pass


def check_backend_name(name: str) -> None:
    if name not in backends.names():
        known = ", ".join(backends.names())
        raise SettingsError("backends", f"unknown backend {name!r} (choose from {known})")


def chosen_backends(names: Sequence[str] | None) -> list[Backend]:
    """The named backends, loaded, or every usable one meant for comparison (a backend not
    meant for it, e.g. torch, is not even imported: every worker process plans anew)."""
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


def check_settings(settings: Settings) -> None:
    """What can be checked of ``settings`` without loading a backend: the run's settings,
    backend and problem names, sizes and memory (``SettingsError``)."""
    check_run_settings(settings)
    for name in settings.backends or ():
        check_backend_name(name)
    for name, sizes in problem_sizes(settings):
        for size in sizes:
            sized_problem(name, size, settings.dtype)


def plan(settings: Settings) -> Plan:
    """The rows ``settings`` asks for, every setting checked before anything is measured."""
    check_settings(settings)
    chosen = chosen_backends(settings.backends)
    check_device_counts(chosen, settings.device_counts)
    rows = contenders(chosen, tuple(dict.fromkeys(settings.device_counts)), settings.with_baselines)
    quick = settings.sizes is None and not settings.thorough
    tasks: list[Task] = []
    for name, sizes in problem_sizes(settings):
        for size in sizes:
            problem = sized_problem(name, size, settings.dtype)
            # A problem without a layout over devices runs its one-device rows only.
            splits = capabilities.splits_over_devices(problem)
            # A quick run times the slow baselines at the smallest size only.
            tasks.extend(
                Task(problem, c)
                for c in rows
                if (splits or c.backend.n_devices == 1)
                and not (quick and c.baseline and size != min(sizes))
                and c.make_loop(problem) is not None
            )
    return Plan(settings, tuple(chosen), tuple(rows), tuple(tasks))
