"""The chain-rule gradients equal automatic differentiation (torch.autograd) of the losses,
over the same grid as the jax.grad test."""

import numpy as np
import pytest

from availability import require
from descent_bench import kernels


@pytest.fixture(scope="module")
def torch():
    require("torch")
    import torch

    return torch


@pytest.fixture(scope="module")
def ops(torch):
    import array_api_compat.torch

    return kernels.Ops(array_api_compat.torch)  # the standard-only primitives


def autograd(torch, loss, params):
    """d loss / d params by ``torch.autograd``, from a fresh leaf tensor."""
    leaf = params.detach().clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(loss(leaf), leaf)
    return gradient.numpy()


@pytest.mark.parametrize("degree", [0, 1, 3, 5])
@pytest.mark.parametrize("loss", kernels.LOSSES)
def test_sine_gradient_is_autograd_of_loss(torch, ops, loss, degree):
    problem = kernels.SineFit(257, degree, loss_name=loss)
    data = tuple(torch.asarray(a) for a in problem.host_data())
    params = torch.asarray(problem.initial_params(seed=4))

    analytic = problem.gradient(ops, params, data).numpy()
    automatic = autograd(torch, lambda p: problem.loss(ops, p, data), params)

    np.testing.assert_allclose(
        analytic, automatic, rtol=1e-12, atol=1e-12 * float(np.abs(automatic).max())
    )


def test_paraboloid_gradient_is_autograd_of_summed_f(torch, ops):
    problem = kernels.Paraboloid(dims=3, walkers=5)
    params = torch.asarray(problem.initial_params(seed=5))

    analytic = problem.gradient(ops, params, ()).numpy()
    # Each walker follows its own f: the gradient of the sum over walkers (the loss is the
    # mean, so scale by the number of walkers).
    automatic = autograd(torch, lambda p: problem.loss(ops, p, ()) * problem.walkers, params)

    np.testing.assert_allclose(analytic, automatic, rtol=1e-15)
