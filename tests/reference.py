"""An independent float64 NumPy reference, written without the code under test.

The sine fit here uses a Vandermonde matrix and matrix products (the kernel uses Horner's rule
and elementwise sums), so an error in either formulation shows as a disagreement.
"""

import math

import numpy as np


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


def unit_roundoff(dtype):
    return float(np.finfo(dtype).eps) / 2


def descent_tolerance(dtype, iterations, n_params):
    """Relative (2-norm) tolerance for K descent steps computed in ``dtype``.

    Each step c <- c - lr * g(c) rounds the update (about 2u relative to |c|, u the unit
    roundoff) and evaluates g on data rounded to ``dtype``; with a stable lr (lr * ||H|| <= 2)
    that data error moves the step by at most about 2 (d + 2) u |c| for d + 1 parameters. The
    iteration map I - lr H is non-expansive for a stable lr, so step errors add without growing:
    after K steps |c_dtype - c_exact| <= K (n_params + 4) u |c|, plus u |c| for rounding the
    start. float64 gives ~1e-13 for hundreds of steps; float32 ~1e-4.
    """
    return (iterations * (n_params + 4) + 1) * unit_roundoff(dtype)


def relative_error(got, want, scale):
    return float(np.linalg.norm(np.asarray(got) - want) / np.linalg.norm(scale))
