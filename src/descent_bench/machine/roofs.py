"""The CPU's roofs, measured beside the rows (``native.roofs``): the rate of an array the size
of half of each cache level read, and updated in place (the data that lives there), the same
of an array far beyond the caches (DRAM; its read the best of one, two or four streams), and
the peak seconds per point of each operation mix the run's problems do; and where a row's
data lives."""

from __future__ import annotations

from collections.abc import Iterable

from descent_bench.kernels import Problem, capabilities
from descent_bench.machine.cache import caches
from descent_bench.native import roofs as native_roofs
from descent_bench.native.build import NativeUnavailable
from descent_bench.records.run import Roofs

DRAM = "DRAM"
# Bytes updated to measure the rate of data updated in DRAM: far beyond any cache.
DRAM_BYTES = 256 * 2**20


def measure_roofs(problems: Iterable[Problem], dtype: str) -> Roofs | None:
    """The roofs for ``problems`` in ``dtype`` (None: no C compiler here)."""
    try:
        levels = caches()
        reads = {
            name: native_roofs.read_gbytes_per_second(size // 2, dtype)
            for name, size in sorted(levels.sizes.items())
        }
        updates = {
            name: native_roofs.update_gbytes_per_second(size // 2, dtype)
            for name, size in sorted(levels.sizes.items())
        }
        updates[DRAM] = native_roofs.update_gbytes_per_second(DRAM_BYTES, dtype)
        reads[DRAM] = max(  # memory serves a few streams faster than one
            native_roofs.read_gbytes_per_second(DRAM_BYTES, dtype, streams)
            for streams in native_roofs.STREAMS
        )
        mixes = {a.mix: a for p in problems if (a := capabilities.arithmetic(p)) is not None}
        peaks = {
            mix: native_roofs.peak_seconds_per_point(a.fma, a.add, dtype)
            for mix, a in sorted(mixes.items())
        }
        vector = native_roofs.library(0, 0).vector_bytes
    except NativeUnavailable:
        return None
    return Roofs(reads, updates, dict(levels.sizes), levels.source, peaks, vector)


def data_level(nbytes: int, cache_bytes: dict[str, int]) -> str:
    """The smallest cache level that holds ``nbytes``, or ``DRAM``."""
    for name, size in sorted(cache_bytes.items(), key=lambda item: item[1]):
        if nbytes <= size:
            return name
    return DRAM
