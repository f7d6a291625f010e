"""The stable public interface for benchmark suites (asv, pytest-benchmark).

asv runs today's ``benchmarks/`` against old commits, so this module is the only one
``benchmarks/`` imports, and what it offers keeps its names and meaning from release to
release: the registered backends and problems, a ``Workload`` for (problem, size, dtype,
backend[, devices, form]) that runs K iterations with every input already on the device,
and a ``Measurement`` of it by the same suite ``descent-bench compare`` uses.

``DESCENT_BENCH_PLATFORM`` (``cpu`` or ``gpu``; set by ``asv.conf.json`` and
``asv.cuda.conf.json``) keeps a run to the rows on that platform: the others are skipped with
the reason, so a GPU configuration never files a CPU fallback's numbers, whatever the asv
machine is called, and the two configurations' results stay apart.
"""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass, replace

import numpy as np

from descent_bench import backends
from descent_bench.backends import Backend
from descent_bench.kernels import FORMS, PROBLEMS, Array, Loop, Problem, place
from descent_bench.measurement import suite
from descent_bench.measurement.agreement import agrees, max_rel_diff
from descent_bench.measurement.contenders import own_loop
from descent_bench.measurement.records import gbytes_per_second
from descent_bench.measurement.timing import prepare
from descent_bench.measurement.workloads import (
    SEED,
    default_iterations,
    make_problem,
    reference_params,
)

__all__ = [
    "DTYPES",
    "Measurement",
    "Unavailable",
    "Workload",
    "backend_names",
    "class_name",
    "gradient_forms",
    "problem_names",
    "sizes",
]

DTYPES = suite.DTYPES
PLATFORM_VARIABLE = "DESCENT_BENCH_PLATFORM"


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


def gradient_forms() -> list[str]:
    """The phrasings of the sine gradient (``Workload.build(..., form=...)``)."""
    return list(FORMS)


@dataclass(frozen=True)
class Measurement:
    iterations: int
    iterations_per_second: float
    gbytes_per_second: float
    compile_seconds: float
    max_rel_diff: float  # against the float64 NumPy reference after ``iterations``
    agrees: bool


class Workload:
    """One problem at one size on one backend, data and start on the device, compiled."""

    def __init__(
        self, problem: Problem, backend: Backend, dtype: str, form: str | None = None
    ) -> None:
        self.problem_at_size = problem
        self.backend = backend
        self.dtype = dtype
        self.form = form
        self.iterations = default_iterations(problem)
        self.lr = problem.stable_lr()
        self.initial = problem.initial_params(seed=SEED)
        self.problem, self.data, self.params = place(problem, backend, dtype, self.initial, form)
        self.loop: Loop = backend.compile_loop(self.problem.step)
        self._step = backend.naive_loop(self.problem)
        # Compile and warm up the loop of the K that is timed (K is static in a compiled
        # loop: another K would compile again inside the timed region).
        backend.sync(self.loop(self.params, self.data, self.lr, self.iterations))
        backend.sync(self._step(self.params, self.data, self.lr, 1))

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
        compiled: bool = False,
    ) -> Workload:
        """The workload, or ``Unavailable`` with the reason it cannot run here. ``standard``:
        the backend computing the kernel's primitives with the array API standard alone;
        ``compiled``: the backend's loop compiled by its library (e.g. ``torch.compile``)."""
        if backend not in backends.names():
            raise Unavailable(f"{backend} is not a backend of this version")
        chosen = backends.get(backend)
        reason = chosen.unavailable_reason()
        if reason is None and standard:
            variant = chosen.standard_only()
            if variant is None:
                raise Unavailable(
                    f"{backend} has no standard-only variant of its own (its primitives are "
                    "the standard ones, or another backend's row is that variant)"
                )
            chosen = variant
        if reason is None and compiled:
            variant = chosen.compiled_variant()
            if variant is None:
                raise Unavailable(
                    f"{backend} has no compiled variant (its own loop is compiled already, or "
                    "its library has no compiler)"
                )
            chosen = variant
            reason = chosen.unavailable_reason()
        if reason is None and devices != 1:
            try:
                chosen = chosen.sharded(devices)
            except backends.BackendUnavailable as exc:
                reason = str(exc)
            else:
                reason = chosen.unavailable_reason()
        if reason:
            raise Unavailable(f"{chosen.label} unavailable: {reason}")
        wanted = os.environ.get(PLATFORM_VARIABLE)
        if wanted and chosen.platform != wanted:
            raise Unavailable(
                f"{chosen.label} runs on the {chosen.platform} here; this configuration "
                f"measures {wanted} rows only ({PLATFORM_VARIABLE}={wanted})"
            )
        return cls(make_problem(problem, size), chosen.load(), dtype, form)

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

    def measure(self, repeat: int = 3, fresh: bool = False) -> Measurement:
        """Timed as ``compare`` times a row; ``fresh``: on a new backend object, so the
        compile time includes compiling."""
        backend = self.backend.fresh() if fresh else self.backend
        row = prepare(
            replace(own_loop(backend), form=self.form),
            self.problem_at_size,
            self.dtype,
            self.lr,
            self.initial,
            self.iterations,
        )
        calls = [row.time_call().host_seconds for _ in range(repeat)]
        seconds = statistics.median(calls) / row.iterations
        want = reference_params(self.problem_at_size, row.iterations, self.lr)
        diff = max_rel_diff(row.final_params, want)
        return Measurement(
            iterations=row.iterations,
            iterations_per_second=1 / seconds,
            gbytes_per_second=gbytes_per_second(self.bytes_per_iteration, seconds),
            compile_seconds=row.compile_seconds or 0.0,
            max_rel_diff=diff,
            agrees=agrees(diff, self.dtype, row.iterations, self.problem.coupled_params),
        )

    def result(self) -> np.ndarray:
        """The parameters after K iterations, on the host, without padding."""
        return self.problem.trim(self.backend.to_numpy(self.run()))
