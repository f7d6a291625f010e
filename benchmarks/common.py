"""A shared base for the descent benchmarks, after scipy's ``XPBenchmark``.

``params`` is backend x size x dtype, all read from descent-bench's registries through the
public interface (``benchmarks.compat`` lends it, and covers older commits). ``setup`` builds
the workload on ``DESCENT_BENCH_THREADS`` threads (1 unless asv's matrix says otherwise) or
skips the combination with the reason: data from one seeded generator on the host, moved to
the device and compiled/warmed up, so nothing timed includes transfers or compilation. Every
timed call ends with the backend's one sync.

Everything asv compares reads lower-is-better: times, with asv's own samples (``rounds``
processes, ``repeat`` samples each), and the distance from the float64 reference. Throughput
is a view of the times (iterations per second = K / ``time_run``), not a track: asv has no
higher-is-better setting.
"""

from __future__ import annotations

import abc

from benchmarks import compat

BACKENDS = compat.backend_names()
DTYPES = list(compat.bench.DTYPES) if compat.bench else []


def unit(name):
    """asv's ``unit`` of a ``track_*`` benchmark."""

    def mark(track):
        track.unit = name
        return track

    return mark


build = compat.build


class Timed:
    """asv's sampling for every timed benchmark: four rounds, each in its own process and
    interleaved with the other benchmarks' rounds (and, in ``asv continuous``, with the other
    commit's), of 3 to 10 samples of at least 100 ms (``CompileTime`` keeps its own
    ``repeat`` of single calls), on the clock asv's matrix names (``DESCENT_BENCH_CLOCK``: CPU
    time on a CPU-only machine).

    On a shared host a call's CPU time switches between two speeds (up to 2x apart on the
    machine measured) for seconds to a whole process (README, "Tracking over commits with
    asv"; docs/performance.md, "How far to trust a number"). A sample of 100 ms (asv's
    default is 10 ms) spans the shorter stretches, and four rounds of fewer samples, instead
    of the two rounds of 7-20 samples used before, give each commit of a comparison more
    moments, alternating with the other commit's."""

    timer = staticmethod(compat.clock())
    timeout = 600
    rounds = 4
    repeat = (3, 10, 1.0)
    sample_time = 0.1
    warmup_time = 0.2


class DescentBenchmark(Timed, abc.ABC):
    """Subclasses set ``problem_name`` and ``params`` (backends, sizes, dtypes); the base is
    abstract so that asv does not collect it."""

    @property
    @abc.abstractmethod
    def problem_name(self) -> str: ...

    param_names = ("backend", "size", "dtype")

    def setup(self, backend, size, dtype):
        self.workload = build(self.problem_name, size, dtype, backend)

    def time_step(self, backend, size, dtype):
        """One iteration, eager (compiled on its own where the backend compiles)."""
        self.workload.step()

    def time_run(self, backend, size, dtype):
        """K iterations as the backend runs them best (K from the size)."""
        self.workload.run()

    @unit("relative")
    def track_max_rel_diff(self, backend, size, dtype):
        """Distance from the reference (exact where the mathematics allows) after K iterations."""
        return compat.agreement(self.workload)[0]

    @unit("fraction of the bound")
    def track_agreement_bound_used(self, backend, size, dtype):
        """max_rel_diff over the bound it must keep (lower is better); fails, so that
        ``asv run`` reports it, when the backend is outside its bound."""
        diff, bound = compat.agreement(self.workload)
        if not diff <= bound:
            raise AssertionError(f"{backend}: max_rel_diff {diff:.3g} exceeds bound {bound:.3g}")
        return diff / bound if bound > 0 else 0.0
