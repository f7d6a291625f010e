"""The loops of PyTorch's "Learning PyTorch with Examples", for any polynomial descent.

``tensor_loop``: the tutorial's second step, the NumPy warm-up rewritten with tensors: the
coefficients as 0-d tensors on the device, ``y_pred`` from ``x ** j``, gradients by hand,
updated in place. ``autograd_loop``: its third step, the same loss differentiated by
``loss.backward()`` and the update under ``torch.no_grad()``. The tutorial fits with the sum
of squared errors (constant 2, no sign); both loops take the descent's constant and sign, so
they compute the same iterates as the kernel for every loss whose step is a
``PolynomialDescent``. Like the NumPy tutorial row, neither reads the loss back each step.
"""

from __future__ import annotations

from typing import Any

from descent_bench.kernels import Array, Data, Loop, PolynomialDescent


def _prediction(coefficients: list[Any], x: Any) -> Any:
    """``a + b * x + c * x ** 2 + d * x ** 3``, for any number of coefficients."""
    y_pred = coefficients[0]
    for j, c in enumerate(coefficients[1:], start=1):
        y_pred = y_pred + c * x**j
    return y_pred


def tensor_loop(descent: PolynomialDescent) -> Loop:
    """The tutorial's tensor loop: manual gradients, eager, in-place updates."""

    def run(params: Array, data: Data, lr: float, k: int) -> Array:
        import torch

        x, y = data
        coefficients = [params[j].clone() for j in range(params.shape[0])]
        for _ in range(k):
            y_pred = _prediction(coefficients, x)
            residual = y_pred - y
            g = residual.sign() if descent.sign else residual
            grad_y_pred = descent.constant * g
            grads = [(grad_y_pred * x**j).sum() for j in range(len(coefficients))]
            for c, grad in zip(coefficients, grads, strict=True):
                c.sub_(lr * grad)  # the tutorial's a -= learning_rate * grad_a
        return torch.stack(coefficients)

    return run


def autograd_loop(descent: PolynomialDescent) -> Loop:
    """The tutorial's autograd loop: ``loss.backward()``, then the update under
    ``torch.no_grad()`` and the gradients cleared. The loss is the one whose gradient in
    ``y_pred`` is ``constant * g``: (constant / 2) sum r^2, or constant sum |r| with sign."""

    def run(params: Array, data: Data, lr: float, k: int) -> Array:
        import torch

        x, y = data
        coefficients = [params[j].detach().clone().requires_grad_(True) for j in range(len(params))]
        for _ in range(k):
            residual = _prediction(coefficients, x) - y
            if descent.sign:
                loss = descent.constant * residual.abs().sum()
            else:
                loss = (descent.constant / 2) * residual.pow(2).sum()
            loss.backward()
            with torch.no_grad():
                for c in coefficients:
                    c.sub_(lr * c.grad)  # a -= learning_rate * a.grad
                    c.grad = None
        return torch.stack([c.detach() for c in coefficients])

    return run
