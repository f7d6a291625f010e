"""The workloads every measurement uses: problem at a size, iterations per call.

Shared by ``descent-bench compare``, the asv suite and the pytest-benchmark suite so all
three time the same thing.
"""

from __future__ import annotations

import numpy as np

from descent_bench import backends
from descent_bench.kernels import PROBLEMS, Problem

SEED = 0


def make_problem(name: str, size: int) -> Problem:
    """Problem ``name`` at ``size`` (its ``size_label``) with its other options at defaults.
    ``ValueError`` names the problem or the size that is not allowed."""
    if name not in PROBLEMS:
        raise ValueError(f"unknown problem {name!r} (choose from {', '.join(PROBLEMS)})")
    return PROBLEMS[name].at_size(size)


def default_iterations(problem: Problem) -> int:
    """2000 (the tutorial) where cheap; at least 10 and about 2e7 elements' work per call."""
    return int(np.clip(2e7 // problem.elements, 10, 2000))


# Element-iterations of one timed call of a baseline: a baseline's K is the row's K, or
# fewer where that is more work than this, and still a function of the size alone.
BASELINE_ELEMENT_ITERATIONS = 10**5


def baseline_iterations(problem: Problem) -> int:
    """K of a baseline row (the tutorial, a naive loop): at most ``default_iterations``,
    about ``BASELINE_ELEMENT_ITERATIONS`` element-iterations, at least one."""
    cap = BASELINE_ELEMENT_ITERATIONS // problem.elements
    return int(max(1, min(default_iterations(problem), cap)))


def kernel_params(problem: Problem, iterations: int, lr: float | None = None) -> np.ndarray:
    """K iterations of the kernel on NumPy in float64 from the seeded start (the reference
    of last resort: ``reference``)."""
    numpy = backends.load("numpy")
    data = tuple(numpy.asarray(x, "float64") for x in problem.host_data())
    start = numpy.asarray(problem.initial_params(seed=SEED), "float64")
    rate = problem.stable_lr() if lr is None else lr
    return np.asarray(numpy.compile_loop(problem.step)(start, data, rate, iterations))
