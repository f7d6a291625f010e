"""Each platform's streaming ceiling: the fastest read of a large array in the run."""

from __future__ import annotations

from descent_bench import backends
from descent_bench.backends import Backend
from descent_bench.measurement.planning import Observer, Plan
from descent_bench.measurement.records import Ceiling
from descent_bench.measurement.timing import (
    backend_stream_reads,
    c_stream_read,
    stream_gbytes_per_second,
)

# Bytes summed to measure a platform's streaming ceiling: far beyond any cache.
CEILING_BYTES = {"cpu": 256 * 2**20, "gpu": 2 * 2**30}


def measure_ceilings(plan: Plan, observer: Observer) -> dict[str, Ceiling]:
    """Each platform's streaming ceiling: the fastest read of a large array, by any backend
    of the run (flat, or in rows) or (on the CPU) the C reference's vectorised read, all
    timed in turn, on the threads the rows run with."""
    dtype = plan.settings.dtype
    # One read per namespace and platform: numba's arrays are NumPy's, and so is its sum.
    distinct: dict[tuple[int, str], Backend] = {}
    for name in dict.fromkeys(c.backend.name for c in plan.contenders):
        backend = backends.load(name)
        distinct.setdefault((id(backend.xp), backend.platform), backend)
    reads = [
        read
        for b in distinct.values()
        for read in backend_stream_reads(b, dtype, CEILING_BYTES[b.platform])
    ]
    if any(r.platform == "cpu" for r in reads):
        c_read = c_stream_read(dtype, CEILING_BYTES["cpu"])
        reads += [c_read] if c_read is not None else []
    observer.row("streaming ceiling: reading with " + ", ".join(r.name for r in reads))
    speeds = stream_gbytes_per_second(reads)
    ceilings: dict[str, Ceiling] = {}
    for read in reads:
        best = ceilings.get(read.platform)
        if best is None or speeds[read.name] > best.gbytes_per_second:
            ceilings[read.platform] = Ceiling(speeds[read.name], read.name)
    return ceilings
