"""The kernel's one primitive beyond the standard: every backend's version equals the
standard-only fallback, for any degree, size and residual kind."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from descent_bench import kernels


def standard(backend):
    return kernels.Ops(backend.xp)


@pytest.fixture
def fused(backend):
    """A backend with a primitive of its own (the others compute the fallback itself)."""
    if type(backend.ops) is kernels.Ops:
        pytest.skip(f"{backend.name} computes with the standard-only primitives")
    return backend


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    degree=st.integers(0, 6),
    points=st.integers(1, 700),
    sign=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_residual_moments_equal_the_standard_fallback(fused, degree, points, sign, seed):
    backend = fused
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, points)
    y = np.sin(x)
    coeffs = rng.standard_normal(degree + 1)
    args = [backend.asarray(a, "float64") for a in (coeffs, x, y)]

    got = backend.to_numpy(backend.ops.residual_moments(*args, sign))
    want = backend.to_numpy(standard(backend).residual_moments(*args, sign))

    # Sums of |g x^j| bound the rounding of any summation order.
    scale = np.abs(np.polynomial.polynomial.polyval(x, coeffs) - y) + 1
    bound = [np.sum(scale * np.abs(x) ** j) for j in range(degree + 1)]
    assert got.dtype == want.dtype
    np.testing.assert_array_less(np.abs(got - want), 1e-13 * np.asarray(bound) + 1e-300)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_residual_moments_keep_the_input_dtype(backend, dtype):
    x = backend.asarray(np.linspace(-1, 1, 11), dtype)
    coeffs = backend.asarray(np.ones(4), dtype)
    out = backend.to_numpy(backend.ops.residual_moments(coeffs, x, x, False))
    assert (out.shape, out.dtype) == ((4,), np.dtype(dtype))


@pytest.mark.parametrize("points", [8191, 8192, 12_289, 100_003])
@pytest.mark.parametrize("sign", [False, True])
def test_residual_moments_of_large_inputs_equal_the_fallback(fused, points, sign):
    backend = fused
    """Sizes where a backend may reduce in blocks or rows, with and without a tail."""
    x = np.linspace(-np.pi, np.pi, points)
    coeffs = np.array([0.3, -0.2, 0.1, 0.05])
    args = [backend.asarray(a, "float64") for a in (coeffs, x, np.sin(x))]
    got = backend.to_numpy(backend.ops.residual_moments(*args, sign))
    want = backend.to_numpy(standard(backend).residual_moments(*args, sign))
    bound = [np.sum(np.abs(x) ** j) * 4 for j in range(4)]
    np.testing.assert_array_less(np.abs(got - want), 1e-13 * np.asarray(bound))


@pytest.mark.parametrize("points", [2000, 100_003])
def test_jax_compiled_moments_equal_the_fallback(points):
    """As the loop runs them: under jit, with the fast-math compiler options."""
    from availability import require

    jax_backend = require("jax")
    import jax

    x = np.linspace(-np.pi, np.pi, points)
    args = [
        jax_backend.asarray(a, "float64") for a in (np.array([0.3, -0.2, 0.1, 0.05]), x, np.sin(x))
    ]
    compiled = jax.jit(
        lambda c, x, y: jax_backend.ops.residual_moments(c, x, y, False),
        compiler_options=jax_backend.compiler_options(),
    )
    got = np.asarray(compiled(*args))
    want = np.asarray(standard(jax_backend).residual_moments(*args, False))
    bound = [np.sum(np.abs(x) ** j) * 4 for j in range(4)]
    np.testing.assert_array_less(np.abs(got - want), 1e-13 * np.asarray(bound))
