"""The sine fit: a degree-d polynomial fitted to sin(x) by gradient descent.

This is the PyTorch "Learning PyTorch with Examples" warm-up: the prediction
y_pred = c0 + c1 x + ... + cd x^d, a loss of the residual r = y_pred - y, and gradients by the
chain rule, dL/dc_j = sum_i dL/dy_pred_i * x_i^j. Every iteration reads all N points: nothing is
precomputed from the data, so the work per iteration scales with N.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

LOSSES = ("sse", "mse", "mae")


@dataclass(frozen=True)
class SineFit:
    """Fit ``degree``-th order polynomial to sin(x) on ``points`` evenly spaced x in ``domain``.

    Parameters are the coefficients, constant term first. The loss is ``sse`` (sum of squared
    residuals, the tutorial's), ``mse`` (their mean) or ``mae`` (mean absolute residual).
    """

    points: int = 2000
    degree: int = 3
    domain: tuple[float, float] = (-math.pi, math.pi)
    loss_name: str = "sse"

    name = "sine"
    default_lr = 1e-6
    default_iterations = 2000
    default_print_every = 100

    def __post_init__(self) -> None:
        lo, hi = self.domain
        if self.points < 1:
            raise ValueError(f"points must be a positive integer, got {self.points}")
        if self.degree < 0:
            raise ValueError(f"degree must be a non-negative integer, got {self.degree}")
        if self.degree >= self.points:
            raise ValueError(
                f"degree must be less than points (got degree {self.degree}, points {self.points})"
            )
        if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
            raise ValueError(f"domain must be finite with LO < HI, got {lo},{hi}")
        if self.loss_name not in LOSSES:
            raise ValueError(f"unknown loss {self.loss_name!r} (choose from {', '.join(LOSSES)})")

    @property
    def size(self) -> int:
        return self.points

    def bytes_per_iteration(self, itemsize: int) -> int:
        """Compulsory traffic of one iteration: reading x and y once."""
        return 2 * self.points * itemsize

    @property
    def n_params(self) -> int:
        return self.degree + 1

    @property
    def coupled_params(self) -> int:
        """Parameters whose errors mix in one update (for the agreement tolerance)."""
        return self.n_params

    # -- host side: data and initial parameters, float64 NumPy ----------------------------
    def host_data(self) -> tuple[np.ndarray, ...]:
        x = np.linspace(self.domain[0], self.domain[1], self.points)
        return x, np.sin(x)

    def initial_params(self, seed: int = 0, init: Any = None) -> np.ndarray:
        """``init`` (constant term first) or standard-normal draws from ``seed``."""
        if init is not None:
            params = np.asarray(init, dtype=np.float64)
            if params.shape != (self.n_params,):
                raise ValueError(
                    f"init needs {self.n_params} coefficients for degree {self.degree}, "
                    f"got {params.size}"
                )
            return params
        return np.random.default_rng(seed).standard_normal(self.n_params)

    # -- device side: pure array-API code ---------------------------------------------------
    def predict(self, xp: Any, params: Any, x: Any) -> Any:
        """The polynomial at x by Horner's rule (no ``x ** j``)."""
        y = params[self.degree]
        for j in range(self.degree - 1, -1, -1):
            y = y * x + params[j]
        return y

    def loss(self, xp: Any, params: Any, data: Any) -> Any:
        x, y = data
        r = self.predict(xp, params, x) - y
        if self.loss_name == "sse":
            return xp.sum(r * r)
        if self.loss_name == "mse":
            return xp.mean(r * r)
        return xp.mean(xp.abs(r))

    def gradient(self, xp: Any, params: Any, data: Any) -> Any:
        """dL/dc by the chain rule: dL/dy_pred, then sum of dL/dy_pred * x^j."""
        x, y = data
        r = self.predict(xp, params, x) - y
        if self.loss_name == "sse":
            g = 2.0 * r
        elif self.loss_name == "mse":
            g = (2.0 / self.points) * r
        else:
            g = xp.sign(r) / self.points
        grads = [xp.sum(g)]
        for _ in range(self.degree):
            g = g * x
            grads.append(xp.sum(g))
        return xp.stack(grads)

    def step(self, xp: Any, params: Any, data: Any, lr: Any) -> Any:
        return params - lr * self.gradient(xp, params, data)

    def describe(self, params: np.ndarray) -> str:
        """``y = a + b x + c x^2 + ...`` as the tutorial prints its result."""
        terms = [f"{params[0]}"]
        for j in range(1, self.n_params):
            power = "x" if j == 1 else f"x^{j}"
            terms.append(f"{params[j]} {power}")
        return "y = " + " + ".join(terms)
