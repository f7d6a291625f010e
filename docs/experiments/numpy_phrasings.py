"""NumPy: one sine-fit step (sse, degree 3) phrased four ways, in two namespaces.

Run: python docs/experiments/numpy_phrasings.py [N]   (default N = 2000)
Prints µs per step (median of 7 timeit batches).
"""

import sys
import timeit

import array_api_compat.numpy as compat
import numpy as np

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
x = np.linspace(-np.pi, np.pi, N)
y = np.sin(x)
rows = np.stack([np.ones_like(x), x, x * x, x * x * x], axis=1)  # N x 4
powers = np.ascontiguousarray(rows.T)  # 4 x N, the kernel's "features" data
c = np.random.default_rng(0).standard_normal(4)
lr = 1e-6


def tutorial(xp, c):
    a, b, cc, d = c
    y_pred = a + b * x + cc * x**2 + d * x**3
    g = 2.0 * (y_pred - y)
    return c - lr * np.array([g.sum(), (g * x).sum(), (g * x**2).sum(), (g * x**3).sum()])


def horner(xp, c):  # the kernel's "elementwise" form
    p = c[3]
    for j in (2, 1, 0):
        p = p * x + c[j]
    g = p - y
    sums = [xp.sum(g)]
    for _ in range(3):
        g = g * x
        sums.append(xp.sum(g))
    return c - (2.0 * lr) * xp.stack(sums)


def features_rows(xp, c):  # N x 4 matrix
    return c - (2.0 * lr) * ((rows @ c - y) @ rows)


def features(xp, c):  # the kernel's "features" form: 4 x N, contiguous rows
    return c - (2.0 * lr) * (powers @ (c @ powers - y))


print(f"numpy {np.__version__}, N = {N:,}")
for f in (tutorial, horner, features_rows, features):
    for xp in (np, compat):
        number = max(1, 20_000_000 // (N * 50))
        t = min(timeit.repeat(lambda f=f, xp=xp: f(xp, c), number=number, repeat=7)) / number
        print(f"{f.__name__:14s} {xp.__name__:24s} {t * 1e6:10.2f} µs")
