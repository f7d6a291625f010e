"""The sine fit: a degree-d polynomial fitted to sin(x) by gradient descent.

This is the PyTorch "Learning PyTorch with Examples" warm-up: the prediction
y_pred = c0 + c1 x + ... + cd x^d, a loss of the residual r = y_pred - y, and gradients by the
chain rule, dL/dc_j = sum_i dL/dy_pred_i * x_i^j. Every iteration reads all N points: nothing is
precomputed from the data, so the work per iteration scales with N.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

LOSSES = ("sse", "mse", "mae")
# How the gradient is phrased (the same iterates either way, up to rounding):
# "elementwise": Horner's rule on x and d + 1 sums; data (x, y), 2 N numbers read per step.
# "features": the powers x^j as a (d + 1) x N matrix and two matrix-vector products (BLAS).
FORMS = ("elementwise", "features")


@dataclass(frozen=True)
class SineFit:
    """Fit ``degree``-th order polynomial to sin(x) on ``points`` evenly spaced x in ``domain``.

    Parameters are the coefficients, constant term first. The loss is ``sse`` (sum of squared
    residuals, the tutorial's), ``mse`` (their mean) or ``mae`` (mean absolute residual).
    ``form`` is how the gradient is phrased (``FORMS``); backends pick theirs by measurement.
    """

    points: int = 2000
    degree: int = 3
    domain: tuple[float, float] = (-math.pi, math.pi)
    loss_name: str = "sse"
    form: str = "elementwise"

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
        if self.form not in FORMS:
            raise ValueError(f"unknown form {self.form!r} (choose from {', '.join(FORMS)})")
        if self.loss_name not in LOSSES:
            raise ValueError(f"unknown loss {self.loss_name!r} (choose from {', '.join(LOSSES)})")

    @property
    def size(self) -> int:
        return self.points

    # Layout for sharding: every data array holds the points along its last axis; the
    # coefficients are not split (None). Zero padding along the points axis is exact for the
    # features phrasing only (a zero column gives a zero residual).
    params_point_axis = None
    zero_padding_form = "features"

    def trim(self, params: np.ndarray) -> np.ndarray:
        """The parameters without any padding (the coefficients are never padded)."""
        return params

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
    def phrased(self, form: str) -> SineFit:
        """The same problem with its gradient phrased as ``form`` (see ``FORMS``)."""
        if form not in FORMS:
            raise ValueError(f"unknown form {form!r} (choose from {', '.join(FORMS)})")
        return self if form == self.form else dataclasses.replace(self, form=form)

    def host_data(self) -> tuple[np.ndarray, ...]:
        """(x, y), or for the ``features`` form (powers, y) with powers[j] = x**j, (d+1) x N."""
        x = np.linspace(self.domain[0], self.domain[1], self.points)
        if self.form == "features":
            powers = np.empty((self.n_params, self.points))
            powers[0] = 1.0
            for j in range(1, self.n_params):
                powers[j] = powers[j - 1] * x
            return powers, np.sin(x)
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
    def residual(self, xp: Any, params: Any, data: Any) -> Any:
        """y_pred - y: Horner's rule on x (no ``x ** j``), or one matmul with the powers."""
        a, y = data
        if self.form == "features":
            return params @ a - y
        y_pred = params[self.degree]
        for j in range(self.degree - 1, -1, -1):
            y_pred = y_pred * a + params[j]
        return y_pred - y

    def loss(self, xp: Any, params: Any, data: Any) -> Any:
        r = self.residual(xp, params, data)
        if self.loss_name == "sse":
            return xp.sum(r * r)
        # Divide by the number of points rather than take a mean, so that data padded with
        # zero columns (sharded over devices) gives the same loss.
        if self.loss_name == "mse":
            return xp.sum(r * r) / self.points
        return xp.sum(xp.abs(r)) / self.points

    def _dloss(self, xp: Any, r: Any) -> tuple[float, Any]:
        """dL/dy_pred as (constant, array): sse 2 r, mse (2/N) r, mae (1/N) sign(r). The
        constant is applied after the reduction, to d + 1 numbers instead of N."""
        if self.loss_name == "sse":
            return 2.0, r
        if self.loss_name == "mse":
            return 2.0 / self.points, r
        return 1.0 / self.points, xp.sign(r)

    def _moments(self, xp: Any, g: Any, data: Any) -> Any:
        """sum_i g_i x_i^j for j = 0..d: the chain rule's last factor."""
        a, _ = data
        if self.form == "features":
            return a @ g
        sums = [xp.sum(g)]
        for _ in range(self.degree):
            g = g * a
            sums.append(xp.sum(g))
        return xp.stack(sums)

    def gradient(self, xp: Any, params: Any, data: Any) -> Any:
        """dL/dc by the chain rule: dL/dy_pred, then sum of dL/dy_pred * x^j."""
        constant, g = self._dloss(xp, self.residual(xp, params, data))
        return constant * self._moments(xp, g, data)

    def step(self, xp: Any, params: Any, data: Any, lr: Any) -> Any:
        constant, g = self._dloss(xp, self.residual(xp, params, data))
        return params - (lr * constant) * self._moments(xp, g, data)

    def describe(self, params: np.ndarray) -> str:
        """``y = a + b x + c x^2 + ...`` as the tutorial prints its result."""
        terms = [f"{params[0]}"]
        for j in range(1, self.n_params):
            power = "x" if j == 1 else f"x^{j}"
            terms.append(f"{params[j]} {power}")
        return "y = " + " + ".join(terms)
