"""The chain-rule gradients equal automatic differentiation (jax.grad) of the losses."""

import numpy as np
import pytest

from descent_bench import backends, kernels

jax = pytest.importorskip("jax", reason="jax is not installed (pip install 'descent-bench[jax]')")


@pytest.fixture(scope="module")
def jnp():
    backends.load("jax").prepare("float64")  # x64 on, so the comparison is in float64
    return jax.numpy


@pytest.fixture(scope="module")
def ops(jnp):
    return kernels.Ops(jnp)  # the standard-only primitives


@pytest.mark.parametrize("degree", [0, 1, 3, 5])
@pytest.mark.parametrize("loss", kernels.LOSSES)
def test_sine_gradient_is_grad_of_loss(jnp, ops, loss, degree):
    problem = kernels.SineFit(257, degree, loss_name=loss)
    data = tuple(jnp.asarray(a) for a in problem.host_data())
    params = jnp.asarray(problem.initial_params(seed=4))

    analytic = problem.gradient(ops, params, data)
    automatic = jax.grad(lambda p: problem.loss(ops, p, data))(params)

    np.testing.assert_allclose(
        np.asarray(analytic),
        np.asarray(automatic),
        rtol=1e-12,
        atol=1e-12 * float(np.abs(automatic).max()),
    )


def test_paraboloid_gradient_is_grad_of_summed_f(jnp, ops):
    problem = kernels.Paraboloid(dims=3, walkers=5)
    params = jnp.asarray(problem.initial_params(seed=5))

    analytic = problem.gradient(ops, params, ())
    # Each walker follows its own f; that is the gradient of the sum over walkers, and the
    # reported loss is the mean, so scale by the number of walkers.
    automatic = jax.grad(lambda p: problem.loss(ops, p, ()) * problem.walkers)(params)

    np.testing.assert_allclose(np.asarray(analytic), np.asarray(automatic), rtol=1e-15)
