"""The one reference every row is checked against: ``compare``, the asv suite and the tests.

A row's final parameters are compared with the first of these that the problem allows,
and ``Reference.kind`` says which one it met:

- ``exact``: the mathematics of the step carried out beyond float64 (``exact``) on the data
  and start as the row sees them (rounded to its dtype, in the phrasing it reads), rounded to
  float64 at the end. A problem offers it by describing its step: a ``PolynomialDescent``
  with the residual as its factor (the squared losses), an ``AffineStep`` (a design matrix, a
  target, a scale and a ridge term: any least-squares problem) or a ``CoordinateDecay``
  (every coordinate scaled alike: the paraboloid). The reference then also carries what its
  tight tolerance reads (``run``: ``bound``), and every row, NumPy's too, shows its real
  distance from the right answer.
- ``independent``: a float64 computation written without the kernel: a polynomial descent
  of another kind (the sign of the residual) with a Vandermonde matrix and two matrix
  products per step (the kernel uses Horner's rule and elementwise sums), or else the
  problem's tutorial loop where its work runs in about a second.
- ``kernel``: the kernel itself on NumPy in float64, the last resort (a user's problem that
  describes nothing): no independent check; a mistake in the kernel moves this reference
  with it.

The answer for a problem, K, lr, dtype and phrasing is computed once per process.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

import numpy as np

from descent_bench import backends
from descent_bench.kernels import DecaysCoordinates, Problem, capabilities
from descent_bench.records.record import ReferenceKind
from descent_bench.reference import exact
from descent_bench.reference.bound import (
    AffineRun,
    Tolerance,
    affine_tolerance,
    decay_tolerance,
    first_order_tolerance,
)
from descent_bench.reference.forms import column_max_squares, quadratic_forms

# The seed of the start every row and its reference descend from.
SEED = 0

# Element-iterations the tutorial loop (Python lists) runs in about a second.
TUTORIAL_ELEMENT_ITERATIONS = 2 * 10**6


@dataclass(frozen=True)
class Reference:
    params: np.ndarray
    kind: ReferenceKind
    how: str  # how it was computed, in a few words
    # What the tight tolerance reads of an exact reference (None: use the first-order one).
    run: AffineRun | DecayRun | None = None

    def tolerance(self, dtype: str, iterations: int, accumulation: str | None) -> Tolerance:
        """The tolerance of a row in ``dtype`` held against this reference (``bound``)."""
        if isinstance(self.run, AffineRun):
            return affine_tolerance(self.run, dtype, accumulation)
        if isinstance(self.run, DecayRun):
            largest = float(np.max(np.abs(self.params))) if self.params.size else 0.0
            return decay_tolerance(self.run.coordinates, self.run.rate, iterations, dtype, largest)
        coupled = int(self.params.shape[-1]) if self.params.ndim else 1
        return first_order_tolerance(dtype, iterations, coupled)


@dataclass(frozen=True)
class DecayRun:
    """What the tight tolerance reads of a decay: how many coordinates, lr times the rate."""

    coordinates: int
    rate: float


def as_seen(values: np.ndarray, dtype: str) -> np.ndarray:
    """``values`` as a row in ``dtype`` holds them (rounded), back in float64 exactly."""
    return np.asarray(values, dtype=dtype).astype(np.float64, copy=False)


def exact_params(
    problem: Problem, iterations: int, lr: float, dtype: str = "float64"
) -> Reference | None:
    """The exact answer where the problem's step allows one (see the module), else None,
    on the data and start as a row in ``dtype`` sees them."""
    start = as_seen(problem.initial_params(seed=SEED), dtype)
    if isinstance(problem, DecaysCoordinates):
        rate = problem.coordinate_decay().rate
        params = exact.decayed(start, lr, rate, iterations)
        how = f"start (1 - lr {rate:g})^K in {exact.DIGITS} digits"
        run = DecayRun(start.size, lr * rate)
        return Reference(params, "exact", how, run) if np.all(np.isfinite(params)) else None
    found = least_squares(problem, dtype)
    if found is None or start.ndim != 1:
        return None
    normal, design, target, scale, ridge, residual_moments = found
    try:
        path = exact.trajectory(normal, start, lr, Decimal(scale), ridge, iterations)
    except decimal.InvalidOperation:  # a non-finite sum: no exact answer
        return None
    params = exact.rounded(path.answer)
    if not np.all(np.isfinite(params)):
        return None
    gram, _ = normal.as_floats()
    affine = AffineRun(
        path,
        gram,
        rate=lr * scale,
        shrink=lr * ridge,
        forms=quadratic_forms(design, target),
        max_squares=column_max_squares(design),
        points=int(design.shape[0]),
        residual_moments=residual_moments,
    )
    how = f"affine descent in {exact.DIGITS} digits on double-double sums"
    return Reference(params, "exact", how, affine)


class PowersOfX:
    """The design matrix of a polynomial fit, x^0..x^degree as columns (N x degree + 1),
    made a chunk of rows at a time where it is read (it is never needed whole)."""

    def __init__(self, x: np.ndarray, degree: int) -> None:
        self.x = x
        self.degree = degree
        self.shape = (x.size, degree + 1)

    def __getitem__(self, rows: slice) -> np.ndarray:
        return powers(self.x[rows], self.degree)


Design = np.ndarray | PowersOfX
LeastSquares = tuple[exact.Normal, Design, np.ndarray, float, float, bool]


def least_squares(problem: Problem, dtype: str) -> LeastSquares | None:
    """The problem as a least-squares descent, where its step is one, on its data as a row
    in ``dtype`` sees it: the normal equations, the design matrix (N x n) and the target,
    the loss's scale, the ridge term, and whether the gradient is the kernel's residual
    moments over (x, y) vectors; None where the step is not affine in the parameters."""
    step = capabilities.affine_step(problem)
    if step is not None:
        design = as_seen(step.design, dtype)
        target = as_seen(step.target, dtype)
        normal = exact.from_design(design, target)
        return normal, design, target, step.scale, step.ridge, False
    descent = capabilities.polynomial_descent(problem)
    data = problem.host_data()
    if descent is None or descent.sign or len(data) != 2:
        return None
    a, target = as_seen(data[0], dtype), as_seen(data[1], dtype)
    if a.ndim == 1:  # (x, y): the powers of x, exactly, in the sums
        degree = problem.initial_params().size - 1
        made = PowersOfX(a, degree)  # for the bound only: the sums take x^k exactly
        return exact.from_powers(a, target, degree), made, target, descent.constant, 0.0, True
    design = a.T  # the powers as a matrix of features, (d + 1) x N, as the row holds them
    return exact.from_design(design, target), design, target, descent.constant, 0.0, False


def powers(x: np.ndarray, degree: int) -> np.ndarray:
    """x^0..x^degree as columns (N x degree + 1, a view of rows), each by one multiply from
    the last (a third of the time pow takes on negative x; within an ulp of it per step)."""
    rows = np.empty((degree + 1, x.size))
    rows[0] = 1.0
    for k in range(1, degree + 1):
        np.multiply(rows[k - 1], x, out=rows[k])
    return rows.T


def vandermonde_params(problem: Problem, iterations: int, lr: float) -> np.ndarray | None:
    """K steps c <- c - lr * constant * V^T g(V c - y) in float64, V the Vandermonde matrix
    of x; None where the problem's step is not of that form or its data is not (x, y)."""
    descent = capabilities.polynomial_descent(problem)
    data = problem.host_data()
    if descent is None or len(data) != 2:
        return None
    x, y = (np.asarray(a, dtype=np.float64) for a in data)
    coefficients = np.array(problem.initial_params(seed=SEED), dtype=np.float64)
    if x.ndim != 1 or coefficients.ndim != 1:
        return None
    vandermonde = x[:, None] ** np.arange(coefficients.size)
    for _ in range(iterations):
        residual = vandermonde @ coefficients - y
        g = np.sign(residual) if descent.sign else residual
        coefficients = coefficients - lr * descent.constant * (vandermonde.T @ g)
    return coefficients


def tutorial_params(problem: Problem, iterations: int, lr: float) -> np.ndarray | None:
    """The tutorial's loop in float64, where it has one and it runs in about a second."""
    loop = capabilities.tutorial_loop(problem)
    if loop is None or problem.elements * iterations > TUTORIAL_ELEMENT_ITERATIONS:
        return None
    data = tuple(np.asarray(a, dtype=np.float64) for a in problem.host_data())
    start = np.asarray(problem.initial_params(seed=SEED), dtype=np.float64)
    return np.asarray(loop(start, data, lr, iterations), dtype=np.float64)


def kernel_params(problem: Problem, iterations: int, lr: float | None = None) -> np.ndarray:
    """K iterations of the kernel on NumPy in float64 from the seeded start (the reference
    of last resort: ``reference``)."""
    numpy = backends.host()
    data = tuple(numpy.asarray(x, "float64") for x in problem.host_data())
    start = numpy.asarray(problem.initial_params(seed=SEED), "float64")
    rate = problem.stable_lr() if lr is None else lr
    return np.asarray(numpy.compile_loop(problem.step)(start, data, rate, iterations))


def reference(
    problem: Problem,
    iterations: int,
    lr: float,
    dtype: str = "float64",
    form: str | None = None,
) -> Reference:
    """The first of: the exact answer (on the data and start as a row in ``dtype`` reading
    the phrasing ``form`` sees them; None: the elementwise phrasing), an independent float64
    one, the kernel on NumPy; computed once per process for a problem (where it can be
    hashed, as frozen dataclasses can), K, lr, dtype and phrasing."""
    try:
        hash(problem)
    except TypeError:  # e.g. a dataclass with eq but not frozen
        return _computed(problem, iterations, lr, dtype, form)
    return _cached(cast(Hashable, problem), iterations, lr, dtype, form)


@functools.lru_cache(maxsize=8)
def _cached(
    problem: Hashable, iterations: int, lr: float, dtype: str, form: str | None
) -> Reference:
    return _computed(cast(Problem, problem), iterations, lr, dtype, form)


def _computed(
    problem: Problem, iterations: int, lr: float, dtype: str, form: str | None
) -> Reference:
    phrased = capabilities.phrased(problem, form or "elementwise")
    found = exact_params(phrased, iterations, lr, dtype)
    if found is None:  # the independent references read the elementwise data (x, y)
        found = _independent(capabilities.phrased(problem, "elementwise"), iterations, lr)
    found.params.setflags(write=False)  # cached and shared: nobody may change it
    return found


def _independent(problem: Problem, iterations: int, lr: float) -> Reference:
    params = vandermonde_params(problem, iterations, lr)
    if params is not None:
        return Reference(params, "independent", "float64 Vandermonde descent")
    params = tutorial_params(problem, iterations, lr)
    if params is not None:
        return Reference(params, "independent", "the tutorial's loop in float64")
    return Reference(kernel_params(problem, iterations, lr), "kernel", "the kernel on NumPy")
