"""An independent reference for the tests, written without the code under test.

The sine fit here uses a Vandermonde matrix and matrix products (the kernel uses Horner's rule
and elementwise sums), so an error in either formulation shows as a disagreement. The
high-precision versions (mpmath, every point's residual on its own) check the suite's exact
reference, which works from power sums instead. The tolerance is derived here on its own.
"""

import math

import mpmath
import numpy as np


def descent_tolerance(dtype, iterations, n_params):
    """2-norm relative error of K descent steps in ``dtype``: each step rounds the update
    (~2u) and reads data rounded to ``dtype`` (~(n + 2) u for n parameters); a stable step
    is non-expansive, so the errors add: (K (n + 4) + 1) u, the 1 for rounding the start."""
    unit_roundoff = float(np.finfo(dtype).eps) / 2
    return (iterations * (n_params + 4) + 1) * unit_roundoff


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


def sine_descent_mp(x, y, coefficients, lr, iterations, scale, digits=60):
    """K steps c_j <- c_j - lr scale sum_i r_i x_i^j in ``digits`` digits (mpmath), every
    float64 input taken as exact, the residual of each point evaluated on its own."""
    with mpmath.workdps(digits):
        xs = [mpmath.mpf(float(v)) for v in x]
        ys = [mpmath.mpf(float(v)) for v in y]
        powers = [[v**j for j in range(len(coefficients))] for v in xs]
        c = [mpmath.mpf(float(v)) for v in coefficients]
        rate = mpmath.mpf(float(lr)) * mpmath.mpf(scale)
        for _ in range(iterations):
            r = [mpmath.fdot(p, c) - yi for p, yi in zip(powers, ys, strict=True)]
            moments = [mpmath.fdot([p[j] for p in powers], r) for j in range(len(c))]
            c = [cj - rate * m for cj, m in zip(c, moments, strict=True)]
        return c


def paraboloid_descent(start, lr, iterations):
    p = np.array(start, dtype=np.float64)
    for _ in range(iterations):
        p = p - lr * 2 * p
    return p


def relative_error(got, want, scale):
    return float(np.linalg.norm(np.asarray(got) - want) / np.linalg.norm(scale))
