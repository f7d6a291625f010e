"""A float64 reference for agreement written without the kernel under test.

``workloads.reference_params`` runs the kernel itself on NumPy in float64, so a mistake in the
kernel moves the reference with it and the NumPy row always reads 0. The reference here
shares only the problem's data and start with the kernel:

- a problem whose step is a ``PolynomialDescent`` is descended with a Vandermonde matrix and
  two matrix products per step (the kernel uses Horner's rule and elementwise sums);
- otherwise, the problem's tutorial loop (the article's own code on host arrays), where its
  work is small enough to run in about a second;
- otherwise the kernel on NumPy in float64, and ``Reference.independent`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from descent_bench.kernels import Problem
from descent_bench.measurement.workloads import SEED, reference_params

# Element-iterations the tutorial loop (Python lists) runs in about a second.
TUTORIAL_ELEMENT_ITERATIONS = 2 * 10**6


@dataclass(frozen=True)
class Reference:
    params: np.ndarray
    how: str  # "vandermonde", "tutorial" or "kernel on numpy"

    @property
    def independent(self) -> bool:
        return self.how != "kernel on numpy"


def polynomial_params(problem: Problem, iterations: int, lr: float) -> np.ndarray | None:
    """K steps c <- c - lr * constant * V^T g(V c - y) in float64, V the Vandermonde matrix
    of x; None where the problem's step is not of that form or its data is not (x, y)."""
    descent = problem.polynomial_descent()
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
    loop = problem.tutorial_loop()
    if loop is None or problem.elements * iterations > TUTORIAL_ELEMENT_ITERATIONS:
        return None
    data = tuple(np.asarray(a, dtype=np.float64) for a in problem.host_data())
    start = np.asarray(problem.initial_params(seed=SEED), dtype=np.float64)
    return np.asarray(loop(start, data, lr, iterations), dtype=np.float64)


def independent_reference(problem: Problem, iterations: int, lr: float) -> Reference:
    """The first of: the Vandermonde descent, the tutorial loop, the kernel on NumPy."""
    params = polynomial_params(problem, iterations, lr)
    if params is not None:
        return Reference(params, "vandermonde")
    params = tutorial_params(problem, iterations, lr)
    if params is not None:
        return Reference(params, "tutorial")
    return Reference(reference_params(problem, iterations, lr), "kernel on numpy")
