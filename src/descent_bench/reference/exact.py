"""Descents whose answer can be computed beyond float64: the exact side of the reference.

Two steps are affine in the parameters, so K of them can be taken in extended precision from
a few numbers computed once from the float64 data:

- a least-squares polynomial fit, c <- c - lr s (G c - b), with G = V^T V and b = V^T y (V the
  Vandermonde matrix of the data x, s = 2 for sse, 2/N for mse): G and b are sums of x^k and
  x^j y, which ``power_sums`` forms in double-double arithmetic (error-free products by
  Dekker's splitting, compensated pairwise sums) to about 1e-30 of the sum of |terms|, and
  ``affine_descent`` takes the K steps in 50-digit decimal arithmetic;
- a decay of every coordinate on its own, p <- p - lr r p, whose K steps are
  p_0 (1 - lr r)^K (``decayed``), the factor in 50 digits and each product rounded once.

The float64 inputs (data, start, lr) are taken as exact numbers: the answer is that of the
mathematics on the very numbers the rows start from, each operation rounded to 50 digits
(lr times the loss's scale too), rounded to float64 at the end.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

DIGITS = 50  # significant decimal digits of every step taken in extended precision
CONTEXT = decimal.Context(prec=DIGITS)
WIDE = decimal.Context(prec=2 * DIGITS)  # sums of float64 partials: exact in practice
SPLITTER = 2.0**27 + 1  # Dekker's constant for float64: 26 + 27 bits
CHUNK = 2**13  # points a pass works on at once (its temporaries stay in cache)
LANES = 32  # partial sums a chunk leaves, summed with every other chunk's at the end


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a = high + low exactly, each with at most 26 significant bits (Veltkamp)."""
    t = a * SPLITTER
    high = t - (t - a)
    return high, a - high


def _times(
    high: np.ndarray, low: np.ndarray, b: np.ndarray, b_parts: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """(high + low) * b as an unevaluated sum p + e, the product high * b error-free
    (Dekker) and low * b rounded: relative error about 2^-104."""
    p = high * b
    h1, h2 = _split(high)
    b1, b2 = b_parts
    e = h1 * b1 - p
    e += h1 * b2
    e += h2 * b1
    e += h2 * b2
    e += low * b
    return p, e


def _pairwise_sums(
    high: np.ndarray, low: np.ndarray, lanes: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Row sums of high + low (rows x a power of two columns) down to ``lanes`` partial
    sums a row, and the error of each row: pairwise, each addition's rounding error kept
    exactly (Knuth's two-sum) and added up, the low parts summed directly."""
    errors = low.sum(axis=1)
    s = high
    while s.shape[1] > lanes:
        half = s.shape[1] // 2
        a, b = s[:, :half], s[:, half:]
        t = a + b
        bb = t - a
        errors += ((a - (t - bb)) + (b - bb)).sum(axis=1)
        s = t
    return s, errors


@dataclass(frozen=True)
class PowerSums:
    """sum x^k for k = 0..2d and sum x^j y for j = 0..d, as decimals."""

    of_x: tuple[Decimal, ...]
    of_xy: tuple[Decimal, ...]


def power_sums(x: np.ndarray, y: np.ndarray, degree: int) -> PowerSums:
    """The sums that make G = V^T V and b = V^T y of a degree-``degree`` fit, from float64
    ``x`` and ``y`` taken as exact: powers and products in double-double, sums compensated
    per chunk, chunks added in 100 digits."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D of one length, got {x.shape} and {y.shape}")
    top = 2 * degree
    rows = top + degree + 1  # x^1..x^2d, then x^0 y..x^d y
    chunks = -(-x.size // CHUNK)
    partials = np.zeros((rows, chunks * LANES))  # each chunk's partial sums, side by side
    errors = np.zeros(rows)
    high = np.zeros((rows, CHUNK))
    low = np.zeros((rows, CHUNK))
    for chunk, start in enumerate(range(0, x.size, CHUNK)):
        n = min(CHUNK, x.size - start)
        xs = np.zeros(CHUNK)
        ys = np.zeros(CHUNK)
        xs[:n] = x[start : start + n]  # zero padding adds nothing to any sum with k >= 1
        ys[:n] = y[start : start + n]
        x_parts = _split(xs)
        y_parts = _split(ys)
        high[:] = 0.0
        low[:] = 0.0
        if top >= 1:
            high[0] = xs
        for k in range(2, top + 1):
            high[k - 1], low[k - 1] = _times(high[k - 2], low[k - 2], xs, x_parts)
        high[top] = ys
        if degree:  # x^j y for j = 1..d at once
            high[top + 1 :], low[top + 1 :] = _times(high[:degree], low[:degree], ys, y_parts)
        sums, chunk_errors = _pairwise_sums(high, low, LANES)
        partials[:, chunk * LANES : (chunk + 1) * LANES] = sums
        errors += chunk_errors
    width = 1 << max(0, (partials.shape[1] - 1).bit_length())  # a power of two
    padded = np.zeros((rows, width))
    padded[:, : partials.shape[1]] = partials
    sums, last_errors = _pairwise_sums(padded, np.zeros((rows, 1)))
    totals = [
        WIDE.add(WIDE.add(Decimal(sums[i, 0]), Decimal(errors[i])), Decimal(last_errors[i]))
        for i in range(rows)
    ]
    of_x = (Decimal(x.size), *totals[:top])
    return PowerSums(of_x=of_x, of_xy=tuple(totals[top:]))


def affine_descent(
    sums: PowerSums,
    start: Sequence[float] | np.ndarray,
    lr: float,
    scale: Decimal,
    iterations: int,
) -> tuple[Decimal, ...]:
    """K steps c <- c - lr scale (G c - b) in ``DIGITS`` digits, G_jk = sum x^(j+k),
    b_j = sum x^j y, from the float64 ``start`` and ``lr`` taken as exact."""
    ctx = CONTEXT
    n = len(start)
    gram = [[ctx.plus(sums.of_x[j + k]) for k in range(n)] for j in range(n)]
    moments = [ctx.plus(v) for v in sums.of_xy[:n]]
    rate = ctx.multiply(Decimal(lr), scale)
    c = [Decimal(float(v)) for v in start]
    for _ in range(iterations):
        residual = []
        for j in range(n):
            acc = ctx.minus(moments[j])
            for k in range(n):
                acc = ctx.fma(gram[j][k], c[k], acc)
            residual.append(acc)
        c = [ctx.subtract(c[j], ctx.multiply(rate, residual[j])) for j in range(n)]
    return tuple(c)


def rounded(values: Sequence[Decimal]) -> np.ndarray:
    """Each value rounded to the nearest float64."""
    return np.array([float(v) for v in values], dtype=np.float64)


def decay_factor(lr: float, rate: float, iterations: int) -> Decimal:
    """(1 - lr rate)^K in ``DIGITS`` digits, lr and rate taken as exact."""
    base = CONTEXT.subtract(Decimal(1), CONTEXT.multiply(Decimal(lr), Decimal(rate)))
    return CONTEXT.power(base, iterations)


def decayed(start: np.ndarray, lr: float, rate: float, iterations: int) -> np.ndarray:
    """K steps p <- p - lr rate p of every coordinate: start (1 - lr rate)^K, each product
    with the 50-digit factor formed error-free in two parts and rounded once."""
    factor = decay_factor(lr, rate, iterations)
    f_high = float(factor)
    f_low = float(CONTEXT.subtract(factor, Decimal(f_high)))
    p0 = np.asarray(start, dtype=np.float64)
    f = np.full_like(p0, f_high)
    product, error = _times(p0, np.zeros_like(p0), f, _split(f))
    return product + (error + p0 * f_low)
