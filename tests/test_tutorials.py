"""The kernel reproduces both tutorials."""

import math

import numpy as np
import pytest

from availability import skip_long_run
from descent_bench import kernels

ARTICLE_EPOCH_0 = [5.988, -2.994]
ARTICLE_BEST = [0.00026968555624761565, -0.00013484277812380783]


def article_run(backend):
    skip_long_run(backend, 5000, "the article's run")
    problem = kernels.Paraboloid(dims=2, walkers=1)
    return kernels.descend(
        problem,
        backend,
        iterations=5000,
        lr=0.001,
        initial=problem.initial_params(start=[6, -3]),
        checkpoints=[1],
        keep_params=True,
    )


def test_paraboloid_article_epoch_0(backend):
    snapshots = dict(article_run(backend).snapshots)
    np.testing.assert_allclose(snapshots[1][0], ARTICLE_EPOCH_0, rtol=1e-15)


def test_paraboloid_article_best_guess(backend):
    # The article's plain-Python floats; XLA may fuse p - lr*2p differently, hence a few ulps.
    np.testing.assert_allclose(article_run(backend).params[0], ARTICLE_BEST, rtol=1e-14)


def test_paraboloid_article_best_guess_exact_on_numpy():
    from descent_bench import backends

    assert article_run(backends.load("numpy")).params[0].tolist() == ARTICLE_BEST


@pytest.mark.parametrize("k", [1, 10, 1000, 5000])
def test_paraboloid_closed_form(backend, k):
    skip_long_run(backend, k, "this closed form")
    start = np.array([[6.0, -3.0], [-1.5, 9.0]])
    problem = kernels.Paraboloid(dims=2, walkers=2)
    got = kernels.descend(problem, backend, iterations=k, lr=0.001, initial=start).params
    # Each step multiplies by 1 - 2 lr = 0.998; k roundings of ~1 ulp each bound the error.
    np.testing.assert_allclose(got, 0.998**k * start, rtol=2 * k * 2.0**-52)


def tutorial_numpy_loop(a, b, c, d, iterations=2000, learning_rate=1e-6):
    """The PyTorch tutorial's NumPy warm-up, as written there."""
    x = np.linspace(-math.pi, math.pi, 2000)
    y = np.sin(x)
    for _t in range(iterations):
        y_pred = a + b * x + c * x**2 + d * x**3
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x**2).sum()
        grad_d = (grad_y_pred * x**3).sum()
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d
    return [a, b, c, d]


def test_sine_fit_matches_tutorial_loop(backend):
    skip_long_run(backend, 2000, "the tutorial's run")
    problem = kernels.SineFit()
    start = problem.initial_params(seed=0)
    want = tutorial_numpy_loop(*start.tolist())

    got = kernels.descend(problem, backend, iterations=2000, lr=1e-6, initial=start).params

    np.testing.assert_allclose(got, want, rtol=1e-9)


def test_long_sse_run_reaches_least_squares(backend):
    # Slowest mode of 2 X^T X at N=2000 has eigenvalue ~1.7e3: with lr 1e-6 the error shrinks
    # by (1 - 1.7e-3) per step, ~1e-13 after 18000 steps.
    skip_long_run(backend, 18000, "reaching least squares")
    problem = kernels.SineFit()
    x, y = problem.host_data()
    want = np.linalg.lstsq(x[:, None] ** np.arange(4), y, rcond=None)[0]

    got = kernels.descend(
        problem, backend, iterations=18000, lr=1e-6, initial=problem.initial_params(seed=0)
    ).params

    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
