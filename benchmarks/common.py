"""A shared base for the descent benchmarks, after scipy's ``XPBenchmark``.

``params`` is backend x size x dtype. ``setup`` loads the backend (or skips the combination
with ``SkipNotImplemented`` and the reason), builds the problem's data from one seeded
generator on the host, moves it to the device and compiles/warms up, so nothing timed includes
transfers or compilation. Every timed call ends with the backend's one sync.
"""

from __future__ import annotations

import abc

import numpy as np

try:
    from asv_runner.benchmarks.mark import SkipNotImplemented
except ImportError:  # older asv
    SkipNotImplemented = NotImplementedError

import backends
from harness.agreement import max_rel_diff
from harness.measure import Contender, measure
from harness.workloads import (
    SEED,
    default_iterations,
    learning_rate,
    make_problem,
    reference_params,
)
from kernels import place

BACKENDS = ["numpy", "jax", "cupy"]
DTYPES = ["float64", "float32"]


class DescentBenchmark(abc.ABC):
    """Subclasses set ``problem_name`` and ``params`` (backends, sizes, dtypes); the base is
    abstract so that asv does not collect it."""

    @property
    @abc.abstractmethod
    def problem_name(self) -> str: ...

    param_names = ("backend", "size", "dtype")
    timeout = 600
    repeat = (3, 10, 5.0)
    warmup_time = 0.1

    form = None  # how the sine fit phrases its gradient; None: the backend's measured choice

    def setup(self, backend, size, dtype):
        self.prepare(backends.get(backend), size, dtype)

    def prepare(self, backend, size, dtype):
        """Everything ``setup`` does, for a backend object (e.g. jax over several devices)."""
        self.backend = backend
        reason = backend.unavailable_reason()
        if reason:
            raise SkipNotImplemented(f"{backend.label} unavailable: {reason}")
        problem = make_problem(self.problem_name, size)
        self.iterations = default_iterations(problem)
        self.lr = learning_rate(problem)
        self.initial = problem.initial_params(seed=SEED)
        self.problem, self.data, self.params = place(
            problem, self.backend, dtype, self.initial, self.form
        )
        self.loop = self.backend.compile_loop(self.problem.step)
        xp, problem = self.backend.xp, self.problem
        self.step = self.backend.compile_step(lambda p, d, lr: problem.step(xp, p, d, lr))
        self.backend.sync(self.loop(self.params, self.data, self.lr, 1))
        self.backend.sync(self.step(self.params, self.data, self.lr))

    def time_step(self, backend, size, dtype):
        """One iteration, eager (compiled on its own where the backend compiles)."""
        self.backend.sync(self.step(self.params, self.data, self.lr))

    def time_run(self, backend, size, dtype):
        """K iterations as the backend runs them best (K from ``default_iterations``)."""
        self.backend.sync(self.loop(self.params, self.data, self.lr, self.iterations))

    def _measure(self, dtype, backend=None):
        row = Contender(
            self.backend.name,
            backend or self.backend,
            lambda p, b=backend or self.backend: b.compile_loop(p.step),
        )
        return measure(row, self.problem, dtype, self.lr, self.initial, self.iterations, 3)

    def track_iterations_per_second(self, backend, size, dtype):
        return self._measure(dtype).iterations_per_second

    track_iterations_per_second.unit = "iterations/s"

    def track_gbytes_per_second(self, backend, size, dtype):
        timing = self._measure(dtype)
        nbytes = self.problem.bytes_per_iteration(np.dtype(dtype).itemsize)
        return nbytes / timing.seconds_per_iteration / 1e9

    track_gbytes_per_second.unit = "GB/s"

    def track_compile_seconds(self, backend, size, dtype):
        """First call of a fresh backend object (nothing cached) minus a steady call."""
        return self._measure(dtype, backend=type(self.backend)()).compile_seconds

    track_compile_seconds.unit = "seconds"

    def track_max_rel_diff(self, backend, size, dtype):
        """Distance from the float64 NumPy reference after K iterations."""
        final = self._measure(dtype).final_params
        return max_rel_diff(final, reference_params(self.problem, self.iterations))

    track_max_rel_diff.unit = "relative"
