"""numba's whole K-step loop (``compile_loop`` on a polynomial descent): the same descent as
NumPy's loop over the fused step, in each dtype and residual kind, and a divergence still
shows as non-finite."""

import numpy as np
import pytest

from availability import backend_param
from descent_bench import backends, kernels
from descent_bench.backends.base import Backend


@pytest.fixture(params=[backend_param("numba")])
def numba_backend(request):
    return backends.load(request.param)


def eager(backend, problem):
    """NumPy's loop over numba's fused step: the loop the compiled one replaces."""
    return Backend.compile_loop(backend, problem.step)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("loss", kernels.LOSSES)
def test_the_compiled_loop_follows_the_eager_one(numba_backend, dtype, loss):
    problem = kernels.SineFit(501, 3, loss_name=loss)
    problem, data, params = kernels.place(
        problem, numba_backend, dtype, problem.initial_params(seed=3), "elementwise"
    )
    lr = problem.stable_lr()
    got = numba_backend.compile_loop(problem.step)(params, data, lr, 200)
    want = eager(numba_backend, problem)(params, data, lr, 200)
    assert got.dtype == want.dtype == np.dtype(dtype)
    tolerance = {"float64": 1e-12, "float32": 1e-4}[dtype]
    np.testing.assert_allclose(got, want, rtol=tolerance, atol=tolerance * np.abs(want).max())
    assert params is not got  # the caller's parameters are not written over


def test_the_features_phrasing_keeps_the_eager_loop(numba_backend):
    problem = kernels.SineFit(64, 3)
    problem, data, params = kernels.place(
        problem, numba_backend, "float64", problem.initial_params(seed=3), "features"
    )
    lr = problem.stable_lr()
    got = numba_backend.compile_loop(problem.step)(params, data, lr, 20)
    want = eager(numba_backend, problem)(params, data, lr, 20)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_a_diverging_descent_ends_non_finite(numba_backend):
    problem = kernels.SineFit(200, 3)
    problem, data, params = kernels.place(
        problem, numba_backend, "float64", problem.initial_params(seed=3), "elementwise"
    )
    with np.errstate(all="ignore"):
        got = numba_backend.compile_loop(problem.step)(params, data, 1e3, 2000)
    assert not np.all(np.isfinite(got))
