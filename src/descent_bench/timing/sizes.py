"""Which sizes a run measures when none are asked for.

The default run answers "which backend is fastest at my size" at two sizes of each problem:
its smallest (the data in cache) and the smallest whose compulsory bytes per iteration are at
least half the last-level cache (the data streams from memory; a shared cache holds less
than its size), or its largest where none is. ``--thorough`` measures every size the problem
lists (``Problem.default_sizes``).
"""

from __future__ import annotations

from descent_bench.kernels import PROBLEMS
from descent_bench.machine.cache import last_level_cache_bytes
from descent_bench.timing.workloads import make_problem


def quick_sizes(problem: str, itemsize: int, cache_bytes: int | None = None) -> tuple[int, ...]:
    """``problem``'s smallest listed size and the first that streams from memory."""
    listed = sorted(PROBLEMS[problem].default_sizes)
    cache = last_level_cache_bytes() if cache_bytes is None else cache_bytes
    streaming = [
        s for s in listed if 2 * make_problem(problem, s).bytes_per_iteration(itemsize) >= cache
    ]
    large = streaming[0] if streaming else listed[-1]
    return tuple(dict.fromkeys((listed[0], large)))


def sizes_for(problem: str, itemsize: int, thorough: bool) -> tuple[int, ...]:
    """The sizes of ``problem`` a run measures when none are asked for."""
    if thorough:
        return tuple(PROBLEMS[problem].default_sizes)
    return quick_sizes(problem, itemsize)
