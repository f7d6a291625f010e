"""The ridge problem descends to its closed-form solution, on every usable backend."""

import numpy as np
import pytest

from descent_bench import backends, kernels

Ridge = pytest.importorskip(
    "descent_bench_ridge", reason="the example is not installed (pip install -e examples/ridge)"
).Ridge


def closed_form(problem):
    x, y = problem.host_data()
    n, f = x.shape
    return np.linalg.solve(x.T @ x / n + problem.penalty * np.eye(f), x.T @ y / n)


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_the_descent_reaches_the_closed_form_solution(backend):
    reason = backends.get(backend).unavailable_reason()
    if reason:
        pytest.skip(reason)
    problem = Ridge(samples=500, features=5, penalty=0.2)
    got = kernels.descend(problem, backends.load(backend), iterations=400, lr=0.1).params
    np.testing.assert_allclose(got, closed_form(problem), rtol=1e-9, atol=1e-12)


def test_the_tutorial_loop_takes_the_same_steps_as_the_kernel():
    problem = Ridge(samples=300, features=4)
    x, y = problem.host_data()
    start = problem.initial_params()
    tutorial = problem.tutorial_loop()(start, (x, y), 0.1, 25)
    kernel = kernels.descend(problem, backends.load("numpy"), iterations=25, lr=0.1).params
    np.testing.assert_allclose(tutorial, kernel, rtol=1e-12)


def test_it_is_registered_through_the_entry_point():
    assert kernels.PROBLEMS["ridge"] is Ridge
