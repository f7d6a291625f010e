"""Sums of float64 data taken as exact, to about 1e-30 of the sum of their terms' sizes:
products error-free in two parts (Dekker's splitting), sums with every addition's error kept
(Knuth's two-sum), per chunk, the chunks added in 100 digits. The exact reference forms its
normal equations here (``power_sums``: the sums of x^k and x^j y of a polynomial fit;
``dot``: the sum of products of two columns of a design matrix).
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

DIGITS = 50  # significant decimal digits of every step taken in extended precision
CONTEXT = decimal.Context(prec=DIGITS)
WIDE = decimal.Context(prec=2 * DIGITS)  # sums of float64 partials: exact in practice
SPLITTER = 2.0**27 + 1  # Dekker's constant for float64: 26 + 27 bits
CHUNK = 2**13  # points a pass works on at once (its temporaries stay in cache)
LANES = 32  # partial sums a chunk leaves, summed with every other chunk's at the end


def split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a = high + low exactly, each with at most 26 significant bits (Veltkamp)."""
    t = a * SPLITTER
    high = t - (t - a)
    return high, a - high


def times(
    high: np.ndarray, low: np.ndarray, b: np.ndarray, b_parts: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """(high + low) * b as an unevaluated sum p + e, the product high * b error-free
    (Dekker) and low * b rounded: relative error about 2^-104."""
    p = high * b
    h1, h2 = split(high)
    b1, b2 = b_parts
    e = h1 * b1 - p
    e += h1 * b2
    e += h2 * b1
    e += h2 * b2
    e += low * b
    return p, e


def pairwise_sums(
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
        x_parts = split(xs)
        y_parts = split(ys)
        high[:] = 0.0
        low[:] = 0.0
        if top >= 1:
            high[0] = xs
        for k in range(2, top + 1):
            high[k - 1], low[k - 1] = times(high[k - 2], low[k - 2], xs, x_parts)
        high[top] = ys
        if degree:  # x^j y for j = 1..d at once
            high[top + 1 :], low[top + 1 :] = times(high[:degree], low[:degree], ys, y_parts)
        sums, chunk_errors = pairwise_sums(high, low, LANES)
        partials[:, chunk * LANES : (chunk + 1) * LANES] = sums
        errors += chunk_errors
    width = 1 << max(0, (partials.shape[1] - 1).bit_length())  # a power of two
    padded = np.zeros((rows, width))
    padded[:, : partials.shape[1]] = partials
    sums, last_errors = pairwise_sums(padded, np.zeros((rows, 1)))
    totals = [
        WIDE.add(WIDE.add(Decimal(sums[i, 0]), Decimal(errors[i])), Decimal(last_errors[i]))
        for i in range(rows)
    ]
    of_x = (Decimal(x.size), *totals[:top])
    return PowerSums(of_x=of_x, of_xy=tuple(totals[top:]))


def dot(a: np.ndarray, b: np.ndarray) -> Decimal:
    """sum a_i b_i of float64 values taken as exact: each product error-free in two parts
    (Dekker), the parts summed with every addition's error kept, per chunk; the chunks'
    sums added in 100 digits."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"a and b must have one length, got {a.shape} and {b.shape}")
    total = Decimal(0)
    for start in range(0, a.size, CHUNK):
        n = min(CHUNK, a.size - start)
        xs, ys = np.zeros((1, CHUNK)), np.zeros((1, CHUNK))
        xs[0, :n], ys[0, :n] = a[start : start + n], b[start : start + n]
        high, low = times(xs, np.zeros_like(xs), ys, split(ys))
        sums, errors = pairwise_sums(high, low, LANES)
        parts = [*map(Decimal, sums[0].tolist()), Decimal(float(errors[0]))]
        for part in parts:
            total = WIDE.add(total, part)
    return total
