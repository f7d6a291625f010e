"""The workloads every measurement uses: a problem at a size, and K, the iterations of one
timed call. ``compare``, the asv suite and the pytest-benchmark suite all time these."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from descent_bench.kernels import PROBLEMS, Problem


def make_problem(name: str, size: int) -> Problem:
    """Problem ``name`` at ``size`` (its ``size_label``) with its other options at defaults,
    made once per process for a problem class and size. ``ValueError`` names the problem or
    the size that is not allowed."""
    if name not in PROBLEMS:
        raise ValueError(f"unknown problem {name!r} (choose from {', '.join(PROBLEMS)})")
    return _at_size(PROBLEMS[name], size)


@lru_cache(maxsize=64)
def _at_size(problem: type[Problem], size: int) -> Problem:
    return problem.at_size(size)


def call_iterations(problem: Problem) -> int:
    """K of a timed call: the tutorial's 2000 where cheap; at least 10 and about 2e7
    elements' work per call."""
    return int(np.clip(2e7 // problem.elements, 10, 2000))


# Element-iterations of one timed call of a baseline: a baseline's K is the row's K, or
# fewer where that is more work than this, and still a function of the size alone.
BASELINE_ELEMENT_ITERATIONS = 10**5


def baseline_iterations(problem: Problem) -> int:
    """K of a baseline row (the tutorial, a naive loop): at most ``call_iterations``,
    about ``BASELINE_ELEMENT_ITERATIONS`` element-iterations, at least one."""
    cap = BASELINE_ELEMENT_ITERATIONS // problem.elements
    return int(max(1, min(call_iterations(problem), cap)))


def row_iterations(problem: Problem, few: bool) -> int:
    """K of a row's timed calls: ``call_iterations``, or ``baseline_iterations`` for a row
    that runs few (a baseline; a backend whose every iteration is a scheduler round trip,
    whose time per iteration a longer call does not change)."""
    return baseline_iterations(problem) if few else call_iterations(problem)
