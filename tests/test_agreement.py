"""Every backend agrees with the independent float64 NumPy reference."""

import numpy as np
import pytest

import reference as ref
from availability import iterations_for
from descent_bench import kernels

ITERATIONS = 300
SINE_CASES = [(1, 0), (7, 3), (2000, 3), (2001, 3)]  # (points, degree)
DTYPES = ["float64", "float32"]


def sine_lr(loss, points):
    # sse's curvature grows with N: scale the tutorial's lr by 2000/N to stay stable.
    return {"sse": 1e-6 * 2000 / points, "mse": 3e-3, "mae": 1e-3}[loss]


@pytest.mark.parametrize("form", kernels.FORMS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", kernels.LOSSES)
@pytest.mark.parametrize(("points", "degree"), SINE_CASES, ids=str)
def test_sine_fit_agrees_with_reference(backend, points, degree, loss, dtype, form):
    problem = kernels.SineFit(points, degree, loss_name=loss)
    start = problem.initial_params(seed=1)
    lr = sine_lr(loss, points)
    x, y = ref.sine_data(points)
    k = iterations_for(backend, ITERATIONS)
    want = ref.sine_descent(x, y, start, lr, k, loss)

    got = kernels.descend(
        problem, backend, dtype=dtype, iterations=k, lr=lr, initial=start, form=form
    ).params

    scale = max(np.linalg.norm(want), np.linalg.norm(start))
    tolerance = ref.descent_tolerance(dtype, k, degree + 1)
    assert ref.relative_error(got, want, scale) <= tolerance


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("walkers", "dims"), [(1, 2), (7, 3), (2001, 1)], ids=str)
def test_paraboloid_agrees_with_reference(backend, walkers, dims, dtype):
    problem = kernels.Paraboloid(dims, walkers)
    start = problem.initial_params(seed=2)
    k = iterations_for(backend, ITERATIONS)
    want = ref.paraboloid_descent(start, 0.001, k)

    got = kernels.descend(
        problem, backend, dtype=dtype, iterations=k, lr=0.001, initial=start
    ).params

    tolerance = ref.descent_tolerance(dtype, k, 1)
    assert ref.relative_error(got, want, start) <= tolerance


def test_loss_history_agrees_with_reference(backend):
    problem = kernels.SineFit(2000, 3)
    start = problem.initial_params(seed=3)
    x, y = ref.sine_data(2000)
    want = [
        float(
            np.sum(
                (np.polynomial.polynomial.polyval(x, ref.sine_descent(x, y, start, 1e-6, t)) - y)
                ** 2
            )
        )
        for t in (0, 50, 100)
    ]

    got = kernels.descend(
        problem, backend, iterations=100, initial=start, checkpoints=[0, 50]
    ).history

    assert [t for t, _ in got] == [0, 50, 100]
    np.testing.assert_allclose([loss for _, loss in got], want, rtol=1e-12)
