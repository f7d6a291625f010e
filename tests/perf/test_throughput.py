"""pytest-benchmark: the backends side by side for each problem, size and dtype.

The rows are the comparison's contenders (the tutorial, each registered backend's own loop,
its compiled variant and its naive loops), read from the registries. The normal test run
executes each once as a smoke test (``--benchmark-disable`` in pyproject's addopts). Time them with
``python -m pytest tests/perf --benchmark-enable``.
"""

import numpy as np
import pytest

from availability import skip_mark
from descent_bench import backends
from descent_bench.kernels import PROBLEMS, place
from descent_bench.measurement import contenders
from descent_bench.measurement.records import gbytes_per_second
from descent_bench.measurement.workloads import SEED, default_iterations, make_problem


def row_params():
    """(label, backend name, how the row is made), the tutorial first."""
    rows = [pytest.param((contenders.TUTORIAL, "numpy", "tutorial"), id=contenders.TUTORIAL)]
    for name in backends.names():
        backend = backends.get(name)
        made = [(name, "own")]
        variant = backend.compiled_variant()
        if variant is not None:
            made.append((variant.label, "compiled"))
        made += [(b.label, "naive") for b in backend.baselines()]
        rows += [
            pytest.param((label, name, kind), id=label, marks=skip_mark(name))
            for label, kind in made
        ]
    return rows


def contender(label, name, kind):
    if kind == "tutorial":
        return contenders.tutorial()
    backend = backends.load(name)
    if kind == "own":
        return contenders.own_loop(backend)
    if kind == "compiled":
        reason = backend.compiled_variant().unavailable_reason()
        if reason:
            pytest.skip(f"{label} unavailable: {reason}")
        return contenders.compiled(backend)
    return next(c for c in contenders.naive(backend) if c.label == label)


# The first two sizes asv tracks for each problem: a quick table.
CASES = [(name, size) for name, p in PROBLEMS.items() for size in p.benchmark_sizes[:2]]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("problem_name", "size"), CASES, ids=str)
@pytest.mark.parametrize("row", row_params())
def test_iterations(benchmark, row, problem_name, size, dtype):
    label, name, kind = row
    row_contender = contender(label, name, kind)
    backend = row_contender.backend
    problem = make_problem(problem_name, size)
    loop = row_contender.make_loop(problem)
    if loop is None:
        pytest.skip(f"{label} has no loop for {problem_name}")
    # One K for every row of a group, so the table compares like with like; 1/20 of compare's
    # K keeps the literal tutorial loop (~100x slower) to a fraction of a second per call.
    iterations = max(1, default_iterations(problem) // 20)
    lr = problem.stable_lr()
    problem, data, params = place(
        problem, backend, dtype, problem.initial_params(SEED), row_contender.form
    )
    loop = row_contender.make_loop(problem)
    backend.sync(loop(params, data, lr, 1))  # compile and warm up outside the timing

    benchmark.group = f"{problem_name} size={size} {dtype}"
    benchmark.extra_info["iterations"] = iterations
    result = benchmark(lambda: backend.sync(loop(params, data, lr, iterations)))

    assert np.all(np.isfinite(backend.to_numpy(result)))
    if benchmark.stats is not None:  # timing enabled
        per_iteration = benchmark.stats.stats.median / iterations
        nbytes = problem.bytes_per_iteration(np.dtype(dtype).itemsize)
        benchmark.extra_info["iterations_per_second"] = 1 / per_iteration
        benchmark.extra_info["gbytes_per_second"] = gbytes_per_second(nbytes, per_iteration)
