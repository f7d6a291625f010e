"""Sums of float64 data taken as exact, to about 1e-30 of the sum of their terms' sizes:
products error-free in two parts (Dekker's splitting), sums with every addition's error kept
(Knuth's two-sum), per chunk, the chunks added in 100 digits. The exact reference forms its
normal equations here (``power_sums``: the sums of x^k and x^j y of a polynomial fit;
``dots``: the sums of products of pairs of columns of a design matrix, in one pass).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Sequence
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


def compensated_sums(
    size: int, rows: int, chunk_rows: Callable[[int, int], tuple[np.ndarray, np.ndarray]]
) -> list[Decimal]:
    """The sums over ``size`` points of ``rows`` rows of terms, each term high + low:
    ``chunk_rows(start, n)`` gives a chunk's terms as two (rows x CHUNK) arrays (zero past
    ``n``); summed pairwise per chunk with every addition's error kept, the chunks' partial
    sums the same way, the parts added in 100 digits."""
    chunks = max(1, -(-size // CHUNK))
    partials = np.zeros((rows, chunks * LANES))  # each chunk's partial sums, side by side
    errors = np.zeros(rows)
    for chunk, start in enumerate(range(0, size, CHUNK)):
        high, low = chunk_rows(start, min(CHUNK, size - start))
        sums, chunk_errors = pairwise_sums(high, low, LANES)
        partials[:, chunk * LANES : (chunk + 1) * LANES] = sums
        errors += chunk_errors
    width = 1 << max(0, (partials.shape[1] - 1).bit_length())  # a power of two
    padded = np.zeros((rows, width))
    padded[:, : partials.shape[1]] = partials
    sums, last_errors = pairwise_sums(padded, np.zeros((rows, 1)))
    return [
        WIDE.add(WIDE.add(Decimal(sums[i, 0]), Decimal(errors[i])), Decimal(last_errors[i]))
        for i in range(rows)
    ]


def padded_chunk(values: np.ndarray, start: int, n: int) -> np.ndarray:
    """``values[..., start:start + n]`` copied into CHUNK columns, zero past ``n`` (zero
    padding adds nothing to a sum of products)."""
    out = np.zeros((*values.shape[:-1], CHUNK))
    out[..., :n] = values[..., start : start + n]
    return out


def power_sums(x: np.ndarray, y: np.ndarray, degree: int) -> PowerSums:
    """The sums that make G = V^T V and b = V^T y of a degree-``degree`` fit, from float64
    ``x`` and ``y`` taken as exact: powers and products in double-double, sums compensated
    per chunk (``compensated_sums``)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D of one length, got {x.shape} and {y.shape}")
    top = 2 * degree
    rows = top + degree + 1  # x^1..x^2d, then x^0 y..x^d y
    high = np.zeros((rows, CHUNK))
    low = np.zeros((rows, CHUNK))

    def chunk_rows(start: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = padded_chunk(x, start, n), padded_chunk(y, start, n)
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
        return high, low

    totals = compensated_sums(x.size, rows, chunk_rows)
    of_x = (Decimal(x.size), *totals[:top])
    return PowerSums(of_x=of_x, of_xy=tuple(totals[top:]))


def dots(rows: Sequence[np.ndarray], pairs: Sequence[tuple[int, int]]) -> list[Decimal]:
    """sum_i a_i b_i for each (j, k) in ``pairs``, a = ``rows[j]`` and b = ``rows[k]`` (1-D,
    of one length) of float64 values taken as exact: each product error-free in two parts
    (Dekker; each row split once per chunk), summed as ``compensated_sums`` sums, every pair
    in one pass over the data."""
    rows = [np.ascontiguousarray(row, dtype=np.float64) for row in rows]
    if len({row.shape for row in rows}) > 1 or any(row.ndim != 1 for row in rows):
        raise ValueError(f"rows must be 1-D of one length, got {[r.shape for r in rows]}")
    left = [j for j, _ in pairs]
    right = [k for _, k in pairs]
    chunk = np.zeros((len(rows), CHUNK))  # zero past n: adds nothing to a product sum

    def chunk_rows(start: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        if n < CHUNK:
            chunk[:, n:] = 0.0
        for r, row in enumerate(rows):
            chunk[r, :n] = row[start : start + n]
        high, low = split(chunk)
        a, b = chunk[left], chunk[right]
        p = a * b
        e = high[left] * high[right] - p
        e += high[left] * low[right]
        e += low[left] * high[right]
        e += low[left] * low[right]
        return p, e

    return compensated_sums(rows[0].size if rows else 0, len(pairs), chunk_rows)


def dot(a: np.ndarray, b: np.ndarray) -> Decimal:
    """sum a_i b_i of float64 values taken as exact (``dots`` of one pair)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"a and b must have one length, got {a.shape} and {b.shape}")
    return dots([a, b], [(0, 1)])[0]
