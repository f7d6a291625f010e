"""An independent float64 NumPy reference, written without the code under test.

The sine fit here uses a Vandermonde matrix and matrix products (the kernel uses Horner's rule
and elementwise sums), so an error in either formulation shows as a disagreement.
"""

import math

import numpy as np

from descent_bench.measurement.agreement import descent_tolerance  # noqa: F401  (shared derivation)


def sine_data(points, domain=(-math.pi, math.pi)):
    x = np.linspace(domain[0], domain[1], points)
    return x, np.sin(x)


def sine_descent(x, y, coefficients, lr, iterations, loss="sse"):
    vander = x[:, None] ** np.arange(len(coefficients))
    c = np.array(coefficients, dtype=np.float64)
    n = len(x)
    for _ in range(iterations):
        r = vander @ c - y
        dloss = {"sse": 2 * r, "mse": 2 * r / n, "mae": np.sign(r) / n}[loss]
        c = c - lr * (vander.T @ dloss)
    return c


def paraboloid_descent(start, lr, iterations):
    p = np.array(start, dtype=np.float64)
    for _ in range(iterations):
        p = p - lr * 2 * p
    return p


def relative_error(got, want, scale):
    return float(np.linalg.norm(np.asarray(got) - want) / np.linalg.norm(scale))
