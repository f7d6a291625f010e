"""The one reference every row is checked against: ``compare``, the asv suite and the tests.

A row's final parameters are compared with the first of these that the problem allows,
and ``Reference.kind`` says which one it met:

- ``exact``: the mathematics of the step carried out beyond float64 (``exact``) on the very
  float64 data, start and lr the rows use, rounded to float64 at the end. A problem offers
  it by describing its step: a ``PolynomialDescent`` with the residual as its factor (the
  squared losses: the step is affine in the coefficients) or a ``CoordinateDecay`` (every
  coordinate scaled alike: the paraboloid). Every row, NumPy's too, then shows its real
  distance from the right answer.
- ``independent``: a float64 computation written without the kernel: a polynomial descent
  of another kind (the sign of the residual) with a Vandermonde matrix and two matrix
  products per step (the kernel uses Horner's rule and elementwise sums), or else the
  problem's tutorial loop where its work runs in about a second.
- ``kernel``: the kernel itself on NumPy in float64, the last resort (a user's problem that
  describes nothing): a mistake in the kernel moves this reference with it.

The answer for a problem, K and lr is computed once per process (``reference`` caches it).
"""

from __future__ import annotations

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

# The seed of the start every row and its reference descend from.
SEED = 0

# Element-iterations the tutorial loop (Python lists) runs in about a second.
TUTORIAL_ELEMENT_ITERATIONS = 2 * 10**6


@dataclass(frozen=True)
class Reference:
    params: np.ndarray
    kind: ReferenceKind
    how: str  # how it was computed, in a few words


def exact_params(problem: Problem, iterations: int, lr: float) -> Reference | None:
    """The exact answer where the problem's step allows one (see the module), else None."""
    start = np.asarray(problem.initial_params(seed=SEED), dtype=np.float64)
    if isinstance(problem, DecaysCoordinates):
        rate = problem.coordinate_decay().rate
        params = exact.decayed(start, lr, rate, iterations)
        how = f"start (1 - lr {rate:g})^K in {exact.DIGITS} digits"
        return Reference(params, "exact", how) if np.all(np.isfinite(params)) else None
    descent = capabilities.polynomial_descent(problem)
    if descent is None or descent.sign or start.ndim != 1:
        return None
    sums = data_power_sums(problem, start.size - 1)
    if sums is None or not all(v.is_finite() for v in (*sums.of_x, *sums.of_xy)):
        return None
    answer = exact.affine_descent(sums, start, lr, Decimal(descent.constant), iterations)
    params = exact.rounded(answer)
    how = f"affine descent in {exact.DIGITS} digits on double-double power sums"
    return Reference(params, "exact", how) if np.all(np.isfinite(params)) else None


def data_power_sums(problem: Problem, degree: int) -> exact.PowerSums | None:
    """The power sums of the problem's data (x, y), or None where its data is not that;
    formed once per process for a problem that can be hashed (a size's rows of different K
    share them)."""
    try:
        hash(problem)
    except TypeError:
        return _power_sums(problem, degree)
    return _cached_power_sums(cast(Hashable, problem), degree)


def _power_sums(problem: Problem, degree: int) -> exact.PowerSums | None:
    data = problem.host_data()
    if len(data) != 2 or np.ndim(data[0]) != 1:
        return None
    return exact.power_sums(data[0], data[1], degree)


@functools.lru_cache(maxsize=4)
def _cached_power_sums(problem: Hashable, degree: int) -> exact.PowerSums | None:
    return _power_sums(cast(Problem, problem), degree)


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


def reference(problem: Problem, iterations: int, lr: float) -> Reference:
    """The first of: the exact answer, an independent float64 one, the kernel on NumPy;
    computed once per process for a problem (where it can be hashed, as frozen dataclasses
    can), K and lr."""
    try:
        hash(problem)
    except TypeError:  # e.g. a dataclass with eq but not frozen
        return _computed(problem, iterations, lr)
    return _cached(cast(Hashable, problem), iterations, lr)


@functools.lru_cache(maxsize=8)
def _cached(problem: Hashable, iterations: int, lr: float) -> Reference:
    return _computed(cast(Problem, problem), iterations, lr)


def _computed(problem: Problem, iterations: int, lr: float) -> Reference:
    # The same iterates in every phrasing: the references read the elementwise data (x, y).
    problem = (
        capabilities.phrased(problem, "elementwise")
        if capabilities.polynomial_descent(problem)
        else problem
    )
    found = _first(problem, iterations, lr)
    found.params.setflags(write=False)  # cached and shared: nobody may change it
    return found


def _first(problem: Problem, iterations: int, lr: float) -> Reference:
    found = exact_params(problem, iterations, lr)
    if found is not None:
        return found
    params = vandermonde_params(problem, iterations, lr)
    if params is not None:
        return Reference(params, "independent", "float64 Vandermonde descent")
    params = tutorial_params(problem, iterations, lr)
    if params is not None:
        return Reference(params, "independent", "the tutorial's loop in float64")
    return Reference(kernel_params(problem, iterations, lr), "kernel", "the kernel on NumPy")
