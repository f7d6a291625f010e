"""The code a user writes first, measured beside the backends in the same run.

``tutorial``: the sine tutorial's literal NumPy loop (``x ** j`` and Python-float
coefficients), and for the paraboloid the article's plain-Python lists. ``<backend>-step``
(e.g. ``jax-step``): the backend's step compiled on its own and called from a Python loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from kernels import Paraboloid, SineFit


def tutorial_sine_loop(params: Any, data: Sequence[Any], lr: float, k: int) -> Any:
    """The PyTorch warm-up's loop body, for any degree: y_pred = sum c_j x**j, sse gradients."""
    x, y = data
    coefficients = [c.item() for c in params]
    for _ in range(k):
        y_pred = sum(c * x**j for j, c in enumerate(coefficients))
        grad_y_pred = 2.0 * (y_pred - y)
        grads = [(grad_y_pred * x**j).sum() for j in range(len(coefficients))]
        coefficients = [c - lr * g for c, g in zip(coefficients, grads, strict=True)]
    return np.array(coefficients, dtype=x.dtype)


def tutorial_paraboloid_loop(params: Any, data: Sequence[Any], lr: float, k: int) -> Any:
    """The article's compute_step on Python lists, one walker after another."""
    walkers = params.tolist()
    for _ in range(k):
        for w, position in enumerate(walkers):
            gradient = [2 * v for v in position]
            walkers[w] = [v + g * -lr for v, g in zip(position, gradient, strict=True)]
    return np.array(walkers)


def tutorial_loop(problem: Any) -> Callable[..., Any] | None:
    """The tutorial's own loop for ``problem`` (sse only for the sine fit), or None."""
    if isinstance(problem, SineFit):
        return tutorial_sine_loop if problem.loss_name == "sse" else None
    if isinstance(problem, Paraboloid):
        return tutorial_paraboloid_loop
    return None


def step_loop(backend: Any, problem: Any) -> Callable[..., Any]:
    """One compiled step, called k times from Python: what a user writes before fori_loop."""
    xp = backend.xp
    step = backend.compile_step(lambda params, data, lr: problem.step(xp, params, data, lr))

    def run(params: Any, data: Sequence[Any], lr: float, k: int) -> Any:
        for _ in range(k):
            params = step(params, data, lr)
        return params

    return run
