"""Which sizes a run measures when none are asked for.

The default run answers "which backend is fastest at my size" at two sizes of each problem:
its smallest (the data in cache) and one whose data is at least ``STREAMING_FACTOR`` times
the last-level cache (``machine.cache``: the OS's report, or measured where its reports
disagree), so that it streams from memory on the machine it runs on: the smallest size of
the form 1, 2 or 5 times a power of ten that is. ``--thorough`` measures every size the
problem lists (``Problem.default_sizes``).
"""

from __future__ import annotations

import math

from descent_bench.kernels import PROBLEMS
from descent_bench.kernels.capabilities import resident_bytes
from descent_bench.machine.cache import last_level_cache_bytes
from descent_bench.timing.workloads import make_problem

# The large default size's data, in last-level caches: far enough that a cache holds little.
STREAMING_FACTOR = 4


def quick_sizes(problem: str, itemsize: int, cache_bytes: int | None = None) -> tuple[int, ...]:
    """``problem``'s smallest listed size and the first round size that streams from memory."""
    smallest = min(PROBLEMS[problem].default_sizes)
    cache = last_level_cache_bytes() if cache_bytes is None else cache_bytes
    return tuple(dict.fromkeys((smallest, streaming_size(problem, itemsize, cache))))


def streaming_size(problem: str, itemsize: int, cache_bytes: int) -> int:
    """The smallest size 1, 2 or 5 x 10^k whose data (``capabilities.resident_bytes``: the
    bytes an iteration works on) is at least ``STREAMING_FACTOR`` last-level caches."""
    want = STREAMING_FACTOR * cache_bytes
    base = min(PROBLEMS[problem].default_sizes)
    per_unit = resident_bytes(make_problem(problem, base), itemsize) / base
    exponent = max(0, math.floor(math.log10(max(1.0, want / per_unit))) - 1)
    while True:
        for mantissa in (1, 2, 5):
            size = mantissa * 10**exponent
            if size >= base and resident_bytes(make_problem(problem, size), itemsize) >= want:
                return size
        exponent += 1


def sizes_for(problem: str, itemsize: int, thorough: bool) -> tuple[int, ...]:
    """The sizes of ``problem`` a run measures when none are asked for."""
    if thorough:
        return tuple(PROBLEMS[problem].default_sizes)
    return quick_sizes(problem, itemsize)
