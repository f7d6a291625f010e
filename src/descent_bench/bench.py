"""The stable public interface for benchmark suites (asv, pytest-benchmark).

asv runs today's ``benchmarks/`` against old commits, so this module is the only one
``benchmarks/`` imports, and what it offers keeps its names and meaning from release to
release: the registered backends and problems, a ``Workload`` for (problem, size, dtype,
backend[, devices, form, threads, loop]) that runs K iterations with every input already on
the device, its ``Agreement`` with the one reference (exact where the mathematics allows),
and a ``Measurement`` of it by the same code ``descent-bench compare`` times with. A
workload is a row of the one row model (``timing.rows``), run by what ``runner`` makes of
it. Names are only ever added here (``benchmarks/compat.py`` covers older commits).

``DESCENT_BENCH_PLATFORM`` (``cpu`` or ``gpu``; set by ``asv.conf.json`` and
``asv.cuda.conf.json``) keeps a run to the rows on that platform: the others are skipped with
the reason, so a GPU configuration never files a CPU fallback's numbers, whatever the asv
machine is called, and the two configurations' results stay apart.
"""

from __future__ import annotations

import math
import os
import statistics
from dataclasses import dataclass, replace

import numpy as np

from descent_bench import backends
from descent_bench.backends import BackendUnavailable
from descent_bench.kernels import FORMS, PROBLEMS, Array, capabilities, place
from descent_bench.records.record import gbytes_per_second
from descent_bench.records.settings import DTYPES
from descent_bench.reference.answer import SEED, reference
from descent_bench.reference.bound import Agreement, Disagreement, max_rel_diff
from descent_bench.timing.prepare import prepare
from descent_bench.timing.rows import (
    COMPILED,
    FUSED,
    NAIVE,
    OWN,
    STANDARD,
    TUTORIAL_LOOP,
    Row,
    Runner,
    row_for,
    rows,
    runner,
)
from descent_bench.timing.threads import pin
from descent_bench.timing.workloads import call_iterations, make_problem, row_iterations

__all__ = [
    "DTYPES",
    "HISTORY_MAX_ELEMENTS",
    "LOOPS",
    "Agreement",
    "Disagreement",
    "Measurement",
    "Unavailable",
    "Workload",
    "backend_names",
    "class_name",
    "gbytes_per_second",
    "gradient_forms",
    "history_sizes",
    "instructions_per_iteration",
    "pin_threads",
    "problem_names",
    "sizes",
    "table_rows",
]

PLATFORM_VARIABLE = "DESCENT_BENCH_PLATFORM"
# The history suite keeps to sizes that stream at most this many elements per iteration, so
# that a commit's benchmarks take seconds each (``compare`` covers the large sizes).
HISTORY_MAX_ELEMENTS = 2_000_000
# The loops ``Workload.build`` takes, in the row model's words: the backend's own (as it runs
# K iterations best), its own loop compiled by its library where that is a variant of its own
# (``torch.compile``), the naive loop a user of its library writes first (one step called from
# Python), and the problem's tutorial loop on host NumPy arrays (backend "numpy"). A
# backend's other baselines (``Backend.baselines``) are named by their labels.
LOOPS = (OWN, COMPILED, NAIVE, TUTORIAL_LOOP)


class Unavailable(RuntimeError):
    """This combination cannot run here; the message says why (a benchmark's skip reason)."""


def backend_names(splitting: bool = False) -> list[str]:
    """Every registered backend, usable here or not (``splitting``: only those that can
    split data over several devices)."""
    return [n for n in backends.names() if not splitting or backends.get(n).splits_over_devices]


def problem_names() -> list[str]:
    return list(PROBLEMS)


def class_name(problem: str) -> str:
    """The problem's class name, e.g. ``SineFit``: the name of its benchmark class."""
    return PROBLEMS[problem].__name__


def sizes(problem: str) -> list[int]:
    """The sizes the benchmark suites track for ``problem``."""
    return list(PROBLEMS[problem].benchmark_sizes)


def history_sizes(problem: str) -> list[int]:
    """The tracked sizes of ``problem`` small enough for the history suite (at most
    ``HISTORY_MAX_ELEMENTS`` elements streamed per iteration)."""
    return [s for s in sizes(problem) if make_problem(problem, s).elements <= HISTORY_MAX_ELEMENTS]


def gradient_forms() -> list[str]:
    """The phrasings of the sine gradient (``Workload.build(..., form=...)``)."""
    return list(FORMS)


def table_rows() -> list[tuple[str, str, str]]:
    """(label, backend, loop) of a side-by-side table: the tutorial first, then each
    registered backend's own loop, its compiled variant and its baselines (the rows of the
    one row model on one device that ``Workload.build`` runs by ``loop``)."""
    first = problem_names()[0]
    return [
        (r.label, r.backend, r.loop)
        for r in rows(backends.names(), first, sizes(first)[0])
        if r.loop not in (STANDARD, FUSED)
    ]


def instructions_per_iteration(
    problem: str, size: int, dtype: str, backend: str, threads: int = 1
) -> float:
    """Instructions of one iteration of ``backend``'s own loop, counted under valgrind's
    callgrind in a process of its own (one K-call, every thread; docs/instruction-counts.md):
    deterministic where times are not, and slow (seconds to minutes). ``Unavailable`` where
    it cannot be counted here (no valgrind, a GPU backend) or its process failed."""
    from descent_bench.instructions import counting

    try:
        found = counting.count_own_loop(problem, size, dtype, backend, threads)
    except (counting.CountUnavailable, counting.CountFailed) as exc:
        raise Unavailable(str(exc)) from None
    return found.instructions / call_iterations(make_problem(problem, size))


@dataclass(frozen=True)
class Measurement:
    iterations: int
    iterations_per_second: float
    gbytes_per_second: float
    compile_seconds: float
    max_rel_diff: float  # against the reference (``Agreement``) after ``iterations``
    agrees: bool
    seconds_per_iteration: float = math.nan


def pin_threads(count: int) -> list[int]:
    """This process on ``count`` CPUs and every BLAS/OpenMP pool loaded so far held to
    ``count`` threads, for the rest of the process (``threads.pin``). Call it before a library
    that sizes its pool from the CPUs at start (jax) is loaded. Returns the CPUs."""
    return pin(0, count)


class Workload:
    """One problem at one size on one backend, data and start on the device, compiled."""

    def __init__(self, row: Row, made: Runner, threads: int | None = None) -> None:
        self.row = row
        self.runner = made
        self.backend = made.backend
        self.dtype = row.dtype
        self.form = made.form
        self.threads = threads
        self.problem_at_size = make_problem(row.problem, row.size)
        self.iterations = row.iterations
        self.lr = self.problem_at_size.stable_lr()
        self.initial = self.problem_at_size.initial_params(seed=SEED)
        self.problem, self.data, self.params = place(
            self.problem_at_size, self.backend, self.dtype, self.initial, self.form
        )
        self._step = self.backend.naive_loop(self.problem)
        found = made.make_loop(self.problem)
        if found is None:
            raise Unavailable(f"{row.label} has no loop for {row.problem}")
        self.loop = found
        # Compile and warm up the loop of the K that is timed (K is static in a compiled
        # loop: another K would compile again inside the timed region).
        self.backend.sync(self.loop(self.params, self.data, self.lr, self.iterations))
        self.backend.sync(self._step(self.params, self.data, self.lr, 1))

    @classmethod
    def build(
        cls,
        problem: str,
        size: int,
        dtype: str,
        backend: str,
        devices: int = 1,
        form: str | None = None,
        standard: bool = False,
        threads: int | None = None,
        loop: str = OWN,
    ) -> Workload:
        """The workload, or ``Unavailable`` with the reason it cannot run here. ``standard``:
        the backend computing the kernel's primitives with the array API standard alone.
        ``threads``: this process pinned to that many CPUs (``pin_threads``, before the
        backend's library loads) and the backend's own pool held to as many threads.
        ``loop``: which loop ``run`` runs, one of ``LOOPS`` (a row of ``table_rows``) or a
        baseline's label."""
        if backends.known(backend):
            labels = [b.label for b in backends.get(backend).baselines()]
            if loop not in LOOPS and loop not in labels:
                known = ", ".join([*LOOPS, *labels])
                raise ValueError(f"unknown loop {loop!r} (choose from {known})")
        kind = STANDARD if standard and loop == OWN else loop
        few = backends.known(backend) and backends.get(backend).round_trip_per_iteration
        k = row_iterations(make_problem(problem, size), few)  # K as ``compare`` times it
        try:
            row = row_for(backend, kind, problem, size, dtype, k, devices)
        except BackendUnavailable as exc:
            raise Unavailable(str(exc)) from None
        row = replace(row, threads=threads or 1, form=form)
        if threads is not None:
            pin_threads(threads)
        try:
            made = runner(row)
        except BackendUnavailable as exc:
            raise Unavailable(f"{row.label} unavailable: {exc}") from None
        wanted = os.environ.get(PLATFORM_VARIABLE)
        if wanted and made.backend.platform != wanted:
            raise Unavailable(
                f"{row.label} runs on the {made.backend.platform} here; this configuration "
                f"measures {wanted} rows only ({PLATFORM_VARIABLE}={wanted})"
            )
        if threads is not None:
            pin_threads(threads)  # pools the library started while loading
            made.backend.limit_threads(threads)
        return cls(row, made, threads)

    @property
    def compiles(self) -> bool:
        """Whether the backend compiles the loop (a compile time exists to track)."""
        return self.backend.compiles

    @property
    def bytes_per_iteration(self) -> int:
        return self.problem.bytes_per_iteration(np.dtype(self.dtype).itemsize)

    def run(self, iterations: int | None = None) -> Array:
        """K iterations as the backend runs them best (K: ``self.iterations``), synced."""
        k = self.iterations if iterations is None else iterations
        return self.backend.sync(self.loop(self.params, self.data, self.lr, k))

    def step(self) -> Array:
        """One iteration, eager (compiled on its own where the backend compiles), synced."""
        return self.backend.sync(self._step(self.params, self.data, self.lr, 1))

    def compile_fresh(self) -> Array:
        """The loop compiled on a fresh backend object (nothing cached) and run for one
        iteration, synced: what the first call costs where the backend compiles."""
        backend = self.backend.fresh()
        loop = backend.compile_loop(self.problem.step)
        return backend.sync(loop(self.params, self.data, self.lr, 1))

    def measure(self, repeat: int = 3, fresh: bool = False) -> Measurement:
        """The backend's own loop timed as ``compare`` times a row; ``fresh``: on a new
        backend object, so the compile time includes compiling."""
        backend = self.backend.fresh() if fresh else self.backend
        own = Runner(backend, lambda p: backend.compile_loop(p.step), self.form, backend.compiles)
        prepared = prepare(self.row, own)
        calls = [prepared.time_call().host_seconds / prepared.iterations for _ in range(repeat)]
        seconds = statistics.median(calls)
        agreement = self._agreement(prepared.final_params(), prepared.iterations)
        return Measurement(
            iterations=prepared.iterations,
            iterations_per_second=1 / seconds,
            gbytes_per_second=gbytes_per_second(self.bytes_per_iteration, seconds),
            compile_seconds=prepared.compile_seconds(calls) or 0.0,
            max_rel_diff=agreement.max_rel_diff,
            agrees=agreement.agrees,
            seconds_per_iteration=seconds,
        )

    def agreement(self) -> Agreement:
        """K iterations (``run``) against the reference (``reference.answer``: exact where
        the problem's mathematics allows), with the bound for this dtype and K."""
        return self._agreement(self.result(), self.iterations)

    def _agreement(self, got: np.ndarray, iterations: int) -> Agreement:
        form = capabilities.phrasing(self.problem)
        answer = reference(self.problem_at_size, iterations, self.lr, self.dtype, form)
        accumulation = self.backend.accumulation_dtype(self.dtype, form, self.row.size)
        largest = answer.tolerance(self.dtype, iterations, accumulation).value
        diff = max_rel_diff(got, answer.params)
        return Agreement(max_rel_diff=diff, bound=largest, reference=answer.kind)

    def result(self) -> np.ndarray:
        """The parameters after K iterations, on the host, without padding."""
        return capabilities.trim(self.problem, self.backend.to_numpy(self.run()))
