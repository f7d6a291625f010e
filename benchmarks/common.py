"""A shared base for the descent benchmarks, after scipy's ``XPBenchmark``.

``params`` is backend x size x dtype, all read from descent-bench's registries through
``descent_bench.bench``, the only project module imported here (asv runs this file against
old commits: it must keep to that stable interface). ``setup`` builds the workload (or skips
the combination with ``SkipNotImplemented`` and the reason): data from one seeded generator on
the host, moved to the device and compiled/warmed up, so nothing timed includes transfers or
compilation. Every timed call ends with the backend's one sync.
"""

from __future__ import annotations

import abc

try:
    from asv_runner.benchmarks.mark import SkipNotImplemented
except ImportError:  # older asv
    SkipNotImplemented = NotImplementedError

from descent_bench import bench

BACKENDS = bench.backend_names()
DTYPES = list(bench.DTYPES)


def unit(name):
    """asv's ``unit`` of a ``track_*`` benchmark."""

    def mark(track):
        track.unit = name
        return track

    return mark


def build(problem, size, dtype, backend, **options):
    """The workload, or a skip that says why it cannot run here."""
    try:
        return bench.Workload.build(problem, size, dtype, backend, **options)
    except bench.Unavailable as exc:
        raise SkipNotImplemented(str(exc)) from None


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

    def setup(self, backend, size, dtype):
        self.workload = build(self.problem_name, size, dtype, backend)

    def time_step(self, backend, size, dtype):
        """One iteration, eager (compiled on its own where the backend compiles)."""
        self.workload.step()

    def time_run(self, backend, size, dtype):
        """K iterations as the backend runs them best."""
        self.workload.run()

    @unit("iterations/s")
    def track_iterations_per_second(self, backend, size, dtype):
        return self.workload.measure().iterations_per_second

    @unit("GB/s")
    def track_gbytes_per_second(self, backend, size, dtype):
        return self.workload.measure().gbytes_per_second

    @unit("seconds")
    def track_compile_seconds(self, backend, size, dtype):
        """First call on a fresh backend object (nothing cached) minus a steady call."""
        return self.workload.measure(fresh=True).compile_seconds

    @unit("relative")
    def track_max_rel_diff(self, backend, size, dtype):
        """Distance from the float64 NumPy reference after K iterations."""
        return self.workload.measure().max_rel_diff
