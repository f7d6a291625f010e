"""The workloads every measurement uses: problem at a size, iterations per call, stable lr.

Shared by ``descent-bench compare``, the asv suite and the pytest-benchmark suite so all
three time the same thing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kernels import Paraboloid, SineFit

SEED = 0


def make_problem(name: str, size: int) -> Any:
    """sine: ``size`` points; paraboloid: ``size`` walkers in 2 dimensions."""
    if name == "sine":
        return SineFit(points=size)
    if name == "paraboloid":
        return Paraboloid(dims=2, walkers=size)
    raise ValueError(f"unknown problem {name!r} (choose from sine, paraboloid)")


def default_iterations(problem: Any) -> int:
    """2000 (the tutorial) where cheap; at least 10 and about 2e7 elements' work per call."""
    elements = problem.size * getattr(problem, "dims", 1)
    return int(np.clip(2e7 // elements, 10, 2000))


def learning_rate(problem: Any) -> float:
    """The tutorial's lr, scaled by 2000/N above N = 2000 where sse would diverge."""
    if isinstance(problem, SineFit):
        return problem.default_lr * min(1.0, 2000 / problem.points)
    return problem.default_lr


def reference_params(problem: Any, iterations: int) -> np.ndarray:
    """K iterations of the kernel on NumPy in float64 from the seeded start."""
    import backends

    numpy = backends.load("numpy")
    data = tuple(numpy.asarray(x, "float64") for x in problem.host_data())
    start = numpy.asarray(problem.initial_params(seed=SEED), "float64")
    return numpy.compile_loop(problem.step)(start, data, learning_rate(problem), iterations)
