"""The sine fit: a degree-d polynomial fitted to sin(x) by gradient descent.

This is the PyTorch "Learning PyTorch with Examples" warm-up: the prediction
y_pred = c0 + c1 x + ... + cd x^d, a loss of the residual r = y_pred - y, and gradients by the
chain rule, dL/dc_j = sum_i dL/dy_pred_i * x_i^j. Every iteration reads all N points: nothing is
precomputed from the data, so the work per iteration scales with N.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from descent_bench.kernels.capabilities import Arithmetic, PolynomialDescent
from descent_bench.kernels.outcome import Descent
from descent_bench.kernels.problem import Array, Data, Loop, Ops, Option
from descent_bench.kernels.problem_base import ProblemBase

LOSSES = ("sse", "mse", "mae")
# How the gradient is phrased (the same iterates either way, up to rounding):
# "elementwise": Horner's rule on x and d + 1 sums; data (x, y), 2 N numbers read per step.
# "features": the powers x^j as a (d + 1) x N matrix and two matrix-vector products (BLAS).
FORMS = ("elementwise", "features")


def _check_domain(domain: Sequence[float]) -> None:
    lo, hi = domain
    if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
        raise ValueError(f"domain must be finite with LO < HI, got {lo},{hi}")


@dataclass(frozen=True)
class SineFit(ProblemBase):
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

    name: ClassVar[str] = "sine"
    description: ClassVar[str] = "fit a polynomial to sin(x)"
    size_label: ClassVar[str] = "points"
    options: ClassVar[tuple[Option, ...]] = (
        Option("points", "int", 2000, "evenly spaced x in the domain", minimum=1),
        Option("degree", "int", 3, "degree of the polynomial", minimum=0),
        Option(
            "domain",
            "reals",
            (-math.pi, math.pi),
            "the x interval (numbers or multiples of pi)",
            count=2,
            metavar="LO,HI",
            check=_check_domain,
        ),
        Option("loss", "choice", "sse", "loss of the residuals", choices=LOSSES, field="loss_name"),
    )
    size_field: ClassVar[str] = "points"
    start_option: ClassVar[Option] = Option(
        "init", "reals", None, "initial coefficients, constant term first", metavar="C0,C1,..."
    )
    default_sizes: ClassVar[tuple[int, ...]] = (2000, 20_000, 200_000, 2_000_000, 10_000_000)
    benchmark_sizes: ClassVar[tuple[int, ...]] = (2000, 200_000, 10_000_000)
    default_lr: ClassVar[float] = 1e-6
    default_iterations: ClassVar[int] = 2000
    default_print_every: ClassVar[int] = 100
    keeps_params: ClassVar[bool] = False
    divergence_hint: ClassVar[str] = (
        "the sse loss is stable only for lr below about 3.5e-6 * 2000/points; or use --loss mse"
    )
    plot_panels: ClassVar[int] = 2

    def check(self) -> None:
        if self.degree >= self.points:
            raise ValueError(
                f"degree must be less than points (got degree {self.degree}, points {self.points})"
            )
        if self.form not in FORMS:
            raise ValueError(f"unknown form {self.form!r} (choose from {', '.join(FORMS)})")

    @property
    def elements(self) -> int:
        return self.points

    def stable_lr(self) -> float:
        """The tutorial's lr, scaled by 2000/N above N = 2000 where sse would diverge (the
        largest Hessian eigenvalue grows as 2 N mean(x^6))."""
        return self.default_lr * min(1.0, 2000 / self.points)

    # Layout for sharding: every data array holds the points along its last axis; the
    # coefficients are not split (None). Zero padding along the points axis is exact for the
    # features phrasing only (a zero column gives a zero residual).
    params_point_axis: ClassVar[int | None] = None
    zero_padding_form: ClassVar[str | None] = "features"

    def trim(self, params: np.ndarray) -> np.ndarray:
        """The parameters without any padding (the coefficients are never padded)."""
        return params

    def memory_bytes(self, itemsize: int) -> int:
        """Host: x, y and the (d+1) x N powers in float64; device: the same in ``itemsize``;
        a step's temporaries, d + 2 arrays of N (the tutorial's ``x ** j`` as many)."""
        per_point = 8 * (self.degree + 3) + itemsize * (self.degree + 3) + 8 * (self.degree + 2)
        return per_point * self.points

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

    def initial_params(self, seed: int = 0, start: Sequence[float] | None = None) -> np.ndarray:
        """``start`` (constant term first) or standard-normal draws from ``seed``."""
        if start is not None:
            params = np.asarray(start, dtype=np.float64)
            if params.shape != (self.n_params,):
                raise ValueError(
                    f"init needs {self.n_params} coefficients for degree {self.degree}, "
                    f"got {params.size}"
                )
            return params
        return np.random.default_rng(seed).standard_normal(self.n_params)

    # -- device side: pure array-API code ---------------------------------------------------
    def residual(self, ops: Ops, params: Array, data: Data) -> Array:
        """y_pred - y: Horner's rule on x (no ``x ** j``), or one matmul with the powers."""
        a, y = data
        if self.form == "features":
            return params @ a - y
        y_pred = params[self.degree]
        for j in range(self.degree - 1, -1, -1):
            y_pred = y_pred * a + params[j]
        return y_pred - y

    def loss(self, ops: Ops, params: Array, data: Data) -> Array:
        xp = ops.xp
        r = self.residual(ops, params, data)
        if self.loss_name == "sse":
            return xp.sum(r * r)
        # Divide by the number of points rather than take a mean, so that data padded with
        # zero columns (sharded over devices) gives the same loss.
        if self.loss_name == "mse":
            return xp.sum(r * r) / self.points
        return xp.sum(xp.abs(r)) / self.points

    def _dloss_constant(self) -> float:
        """dL/dy_pred = constant * g with g = r (sse: 2, mse: 2/N) or sign(r) (mae: 1/N). The
        constant is applied after the reduction, to d + 1 numbers instead of N."""
        if self.loss_name == "sse":
            return 2.0
        if self.loss_name == "mse":
            return 2.0 / self.points
        return 1.0 / self.points

    def _moments(self, ops: Ops, params: Array, data: Data) -> Array:
        """sum_i g_i x_i^j for j = 0..d: the chain rule's last factor."""
        a, y = data
        sign = self.loss_name == "mae"
        if self.form == "features":
            r = self.residual(ops, params, data)
            return a @ (ops.xp.sign(r) if sign else r)
        return ops.residual_moments(params, a, y, sign)

    def gradient(self, ops: Ops, params: Array, data: Data) -> Array:
        """dL/dc by the chain rule: dL/dy_pred, then sum of dL/dy_pred * x^j."""
        return self._dloss_constant() * self._moments(ops, params, data)

    def step(self, ops: Ops, params: Array, data: Data, lr: Any) -> Array:
        return params - (lr * self._dloss_constant()) * self._moments(ops, params, data)

    # -- presentation -------------------------------------------------------------------
    def progress_stops(self, iterations: int, every: int) -> list[int]:
        """The tutorial prints after t = 99, 199, ... updates (its loop index t)."""
        return list(range(every - 1, iterations + 1, every)) if every > 0 else []

    def progress_line(self, t: int, loss: float, params: np.ndarray | None) -> str:
        return f"{t} {loss}"

    def summary(self, params: np.ndarray) -> str:
        """``Result: y = a + b x + c x^2 + ...`` as the tutorial prints its result."""
        terms = [f"{params[0]}"]
        for j in range(1, self.n_params):
            power = "x" if j == 1 else f"x^{j}"
            terms.append(f"{params[j]} {power}")
        return "Result: y = " + " + ".join(terms)

    def draw(self, result: Descent, axes: Sequence[Any], title: str) -> None:
        """sin(x) and the fitted polynomial (the tutorial's picture) beside the loss curve."""
        fit_ax, loss_ax = axes
        x = np.linspace(self.domain[0], self.domain[1], self.points)
        fitted = np.polynomial.polynomial.polyval(x, result.params)
        fit_ax.plot(x, np.sin(x), label="sin(x)", lw=2)
        fit_ax.plot(x, fitted, "--", label="fitted polynomial", lw=2)
        fit_ax.set(xlabel="x", ylabel="y", title=title)
        fit_ax.legend()
        iterations, losses = zip(*result.history, strict=True)
        loss_ax.plot(iterations, losses, marker=".")
        loss_ax.set(xlabel="iteration", ylabel=f"loss ({self.loss_name})", yscale="log")
        loss_ax.set_title("loss")

    def arithmetic(self) -> Arithmetic:
        """Per point: the residual by Horner's rule (d FMAs and a subtraction), then g x^j
        (d multiplies) into d + 1 sums."""
        return Arithmetic(fma=2 * self.degree, add=self.degree + 2, points=self.points)

    def polynomial_descent(self) -> PolynomialDescent:
        return PolynomialDescent(self._dloss_constant(), sign=self.loss_name == "mae")

    def tutorial_loop(self) -> Loop | None:
        """The tutorial's literal NumPy loop (``x ** j``, Python-float coefficients); it
        computes the sse gradient only."""
        return tutorial_sine_loop if self.loss_name == "sse" else None


def tutorial_sine_loop(params: Array, data: Data, lr: float, k: int) -> Array:
    """The PyTorch warm-up's loop body, for any degree: y_pred = sum c_j x**j, sse gradients."""
    x, y = data
    coefficients = [c.item() for c in params]
    for _ in range(k):
        y_pred = sum(c * x**j for j, c in enumerate(coefficients))
        grad_y_pred = 2.0 * (y_pred - y)
        grads = [(grad_y_pred * x**j).sum() for j in range(len(coefficients))]
        coefficients = [c - lr * g for c, g in zip(coefficients, grads, strict=True)]
    return np.array(coefficients, dtype=x.dtype)
