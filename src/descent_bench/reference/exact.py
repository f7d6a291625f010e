"""Descents whose answer can be computed beyond float64: the exact side of the reference.

Two steps are affine in the parameters, so K of them can be taken in extended precision from
a few numbers computed once from the data (``sums``):

- a least-squares step c <- c - lr (s V^T (V c - y) + q c) (V the design matrix of N points
  and n parameters, s the loss's scale, q a ridge term) needs of the data only its normal
  equations (``Normal``): G = V^T V, b = V^T y and sum y^2, from the power sums of x where V
  is the powers of x (the sine fit's elementwise phrasing), or from the design matrix itself
  (a matrix of features, a user's ridge regression); ``trajectory`` takes the K steps in
  50-digit decimal arithmetic and keeps every iterate, which the bound on a row's rounding
  reads (``bound``);
- a decay of every coordinate on its own, p <- p - lr r p, whose K steps are
  p_0 (1 - lr r)^K (``decayed``), the factor in 50 digits and each product rounded once.

The inputs (data, start, lr) are taken as exact numbers: the answer is that of the
mathematics on the very numbers a row starts from, each operation rounded to 50 digits, and
rounded to float64 at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from descent_bench.reference.sums import (
    CHUNK,
    CONTEXT,
    DIGITS,
    PowerSums,
    dot,
    dots,
    power_sums,
    split,
)

__all__ = ["CHUNK", "DIGITS", "PowerSums", "dot", "power_sums"]


@dataclass(frozen=True)
class Normal:
    """The normal equations of a least-squares problem, exact: G (n x n), b (n), sum y^2."""

    gram: tuple[tuple[Decimal, ...], ...]
    moments: tuple[Decimal, ...]
    target_square: Decimal

    @property
    def size(self) -> int:
        return len(self.moments)

    def as_floats(self) -> tuple[np.ndarray, np.ndarray]:
        """G and b rounded to float64 (for eigenvalues and bounds, never for the answer)."""
        return (
            np.array([[float(v) for v in row] for row in self.gram]),
            np.array([float(v) for v in self.moments]),
        )


def from_powers(x: np.ndarray, y: np.ndarray, degree: int) -> Normal:
    """The normal equations of a degree-``degree`` polynomial fit to (x, y): V_ij = x_i^j,
    G_jk = sum x^(j+k) and b_j = sum x^j y from ``exact.power_sums``; sum y^2 the same way."""
    sums = power_sums(x, y, degree)
    n = degree + 1
    gram = tuple(tuple(sums.of_x[j + k] for k in range(n)) for j in range(n))
    return Normal(gram, sums.of_xy[:n], square_sum(y))


def from_design(design: np.ndarray, target: np.ndarray) -> Normal:
    """The normal equations of a design matrix (N x n) and a target (N), exact: every
    sum of products of two columns of [design, target] in one pass (``sums.dots``)."""
    design = np.asarray(design, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    n = design.shape[1]
    pairs = [(j, k) for j in range(n + 1) for k in range(j, n + 1)]  # column n: the target
    rows = [design[:, j] for j in range(n)] + [target]
    found = dict(zip(pairs, dots(rows, pairs), strict=True))
    gram = tuple(tuple(found[min(j, k), max(j, k)] for k in range(n)) for j in range(n))
    moments = tuple(found[j, n] for j in range(n))
    return Normal(gram, moments, found[n, n])


def square_sum(values: np.ndarray) -> Decimal:
    """sum v^2 of float64 values taken as exact."""
    return dots([np.asarray(values, dtype=np.float64).ravel()], [(0, 0)])[0]


@dataclass(frozen=True)
class Trajectory:
    """K steps of an affine descent: the answer in 50 digits, and every iterate, gradient
    factor and loss on the way rounded to float64 for the bound: ``params`` (K + 1, n),
    ``moments`` (K, n: V^T (V c - y) at each step's start), ``losses`` (K: |V c - y|^2)."""

    answer: tuple[Decimal, ...]
    params: np.ndarray
    moments: np.ndarray
    losses: np.ndarray


def trajectory(
    normal: Normal,
    start: np.ndarray,
    lr: float,
    scale: Decimal,
    ridge: float,
    iterations: int,
) -> Trajectory:
    """K steps c <- c - lr (scale (G c - b) + ridge c) in ``DIGITS`` digits from the
    float64 ``start``, ``lr`` and ``ridge`` taken as exact."""
    ctx = CONTEXT
    n = normal.size
    gram = [[ctx.plus(v) for v in row] for row in normal.gram]
    moments = [ctx.plus(v) for v in normal.moments]
    rate = ctx.multiply(Decimal(lr), scale)
    shrink = ctx.multiply(Decimal(lr), Decimal(ridge))
    c = [Decimal(float(v)) for v in start]
    params, factors, losses = [list(map(float, c))], [], []
    for _ in range(iterations):
        residual = []
        for j in range(n):
            acc = ctx.minus(moments[j])
            for k in range(n):
                acc = ctx.fma(gram[j][k], c[k], acc)
            residual.append(acc)
        loss = normal.target_square
        for j in range(n):  # c (G c - b) - b c + y^2 = |V c - y|^2
            loss = ctx.fma(c[j], ctx.subtract(residual[j], moments[j]), loss)
        factors.append([float(v) for v in residual])
        losses.append(float(loss))
        c = [
            ctx.subtract(c[j], ctx.add(ctx.multiply(rate, residual[j]), ctx.multiply(shrink, c[j])))
            for j in range(n)
        ]
        params.append([float(v) for v in c])
    return Trajectory(tuple(c), np.array(params), np.array(factors), np.array(losses))


def affine_descent(
    sums: PowerSums,
    start: Sequence[float] | np.ndarray,
    lr: float,
    scale: Decimal,
    iterations: int,
) -> tuple[Decimal, ...]:
    """K steps c <- c - lr scale (G c - b) in ``DIGITS`` digits, G_jk = sum x^(j+k),
    b_j = sum x^j y, from the float64 ``start`` and ``lr`` taken as exact."""
    n = len(start)
    gram = tuple(tuple(sums.of_x[j + k] for k in range(n)) for j in range(n))
    normal = Normal(gram, sums.of_xy[:n], Decimal(0))
    return trajectory(normal, np.asarray(start), lr, scale, 0.0, iterations).answer


def rounded(values: Sequence[Decimal]) -> np.ndarray:
    """Each value rounded to the nearest float64."""
    return np.array([float(v) for v in values], dtype=np.float64)


def decay_factor(lr: float, rate: float, iterations: int) -> Decimal:
    """(1 - lr rate)^K in ``DIGITS`` digits, lr and rate taken as exact."""
    base = CONTEXT.subtract(Decimal(1), CONTEXT.multiply(Decimal(lr), Decimal(rate)))
    return CONTEXT.power(base, iterations)


def decayed(start: np.ndarray, lr: float, rate: float, iterations: int) -> np.ndarray:
    """K steps p <- p - lr rate p of every coordinate: start (1 - lr rate)^K, each product
    with the 50-digit factor formed error-free in two parts and rounded once (a chunk of
    coordinates at a time: the temporaries stay in cache)."""
    factor = decay_factor(lr, rate, iterations)
    f_high = np.float64(float(factor))
    f_low = np.float64(float(CONTEXT.subtract(factor, Decimal(float(f_high)))))
    f1, f2 = split(np.array([f_high]))
    p0 = np.ascontiguousarray(start, dtype=np.float64)
    flat, out = p0.reshape(-1), np.empty(p0.size)
    for at in range(0, flat.size, CHUNK):
        a = flat[at : at + CHUNK]
        product = a * f_high
        a1, a2 = split(a)
        error = a1 * f1 - product
        error += a1 * f2
        error += a2 * f1
        error += a2 * f2
        error += a * f_low
        out[at : at + CHUNK] = product + error
    return out.reshape(p0.shape)
