"""pytest-benchmark: the backends side by side for each problem, size and dtype.

The normal test run executes each once as a smoke test (``--benchmark-disable`` in
pyproject's addopts). Time them with ``python -m pytest tests/perf --benchmark-enable``.
"""

import numpy as np
import pytest

import backends
from harness.baselines import step_loop, tutorial_loop
from harness.workloads import SEED, default_iterations, learning_rate, make_problem
from kernels import place

ROWS = {  # row label -> (backend, how the loop is made)
    "tutorial": ("numpy", lambda b, p: tutorial_loop(p)),
    "numpy": ("numpy", lambda b, p: b.compile_loop(p.step)),
    "jax": ("jax", lambda b, p: b.compile_loop(p.step)),
    "jax-step": ("jax", step_loop),
    "cupy": ("cupy", lambda b, p: b.compile_loop(p.step)),
    "cupy-eager": ("cupy", step_loop),
}
CASES = [("sine", 2000), ("sine", 200_000), ("paraboloid", 1000), ("paraboloid", 100_000)]


def row_params():
    params = []
    for label, (name, _) in ROWS.items():
        reason = backends.get(name).unavailable_reason()
        marks = [pytest.mark.skip(reason=f"{name} unavailable: {reason}")] if reason else []
        params.append(pytest.param(label, id=label, marks=marks))
    return params


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("problem_name", "size"), CASES, ids=str)
@pytest.mark.parametrize("row", row_params())
def test_iterations(benchmark, row, problem_name, size, dtype):
    name, make = ROWS[row]
    backend = backends.load(name)
    problem = make_problem(problem_name, size)
    # One K for every row of a group, so the table compares like with like; 1/20 of compare's
    # K keeps the literal tutorial loop (~100x slower) to a fraction of a second per call.
    iterations = max(1, default_iterations(problem) // 20)
    lr = learning_rate(problem)
    form = "elementwise" if row == "tutorial" else None
    problem, data, params = place(problem, backend, dtype, problem.initial_params(SEED), form)
    loop = make(backend, problem)
    backend.sync(loop(params, data, lr, 1))  # compile and warm up outside the timing

    benchmark.group = f"{problem_name} size={size} {dtype}"
    benchmark.extra_info["iterations"] = iterations
    result = benchmark(lambda: backend.sync(loop(params, data, lr, iterations)))

    assert np.all(np.isfinite(backend.to_numpy(result)))
    if benchmark.stats is not None:  # timing enabled
        per_iteration = benchmark.stats.stats.median / iterations
        nbytes = problem.bytes_per_iteration(np.dtype(dtype).itemsize)
        benchmark.extra_info["iterations_per_second"] = 1 / per_iteration
        benchmark.extra_info["gbytes_per_second"] = nbytes / per_iteration / 1e9
