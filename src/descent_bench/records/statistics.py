"""Statistics of timed calls: median, interquartile range, an interval for the median, and a
bootstrap that resamples processes, then calls within them.

A process can hold its own steady speed for its whole life, so calls of one process are not
independent draws of the row's time: the bootstrap draws whole processes first (with
replacement), then calls within each drawn process, as a hierarchical bootstrap does. Its
spread therefore includes run-to-run variance, not only call-to-call.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

DRAWS = 4000  # bootstrap resamples


def median(values: Sequence[float] | np.ndarray) -> float:
    return float(np.median(np.asarray(values, dtype=np.float64)))


def interquartile_range(values: Sequence[float] | np.ndarray) -> float:
    q1, q3 = np.percentile(np.asarray(values, dtype=np.float64), [25, 75])
    return float(q3 - q1)


def relative_noise(values: Sequence[float] | np.ndarray) -> float:
    """IQR over median: nan for fewer than two values."""
    if len(values) < 2:
        return math.nan
    return interquartile_range(values) / median(values)


def median_interval(
    values: Sequence[float] | np.ndarray, confidence: float = 0.95
) -> tuple[float, float]:
    """A distribution-free interval for the median from order statistics: the widest
    ``[x(j), x(n-1-j)]`` whose binomial coverage is at least ``confidence``; with too few
    values for that, the full range (whose coverage is 1 - 2^(1-n))."""
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    n = len(ordered)
    if n == 0:
        return (math.nan, math.nan)
    # P(X(j) <= median <= X(n-1-j)) = 1 - 2 P(Binomial(n, 1/2) <= j).
    cdf, j = 0.0, -1
    while True:
        tail = cdf + math.comb(n, j + 1) / 2**n
        if 1 - 2 * tail < confidence or j + 1 >= n // 2:
            break
        cdf, j = tail, j + 1
    lo = max(j, 0)
    return (float(ordered[lo]), float(ordered[n - 1 - lo]))


def _resampled(groups: Sequence[np.ndarray], rng: np.random.Generator, draws: int) -> np.ndarray:
    """``draws`` resamples of values held in ``groups`` (one array per process), one per row,
    padded with nan: processes drawn with replacement, then, within each drawn process, as
    many calls as it has, drawn with replacement; all nan where no group has a value."""
    groups = [np.asarray(g, dtype=np.float64) for g in groups if len(g)]
    if not groups:
        return np.full((draws, 1), math.nan)
    width = max(len(g) for g in groups)
    padded = np.zeros((len(groups), width))
    for i, g in enumerate(groups):
        padded[i, : len(g)] = g
    counts = np.array([len(g) for g in groups])
    chosen = rng.integers(0, len(groups), size=(draws, len(groups)))  # processes
    picks = np.floor(rng.random((draws, len(groups), width)) * counts[chosen][..., None])
    values = padded[chosen[..., None], picks.astype(np.int64)]
    # A drawn process contributes as many calls as it has: mask the padding.
    keep = np.arange(width)[None, None, :] < counts[chosen][..., None]
    return np.where(keep, values, np.nan).reshape(draws, -1)


def bootstrap_medians(
    groups: Sequence[np.ndarray], rng: np.random.Generator, draws: int = DRAWS
) -> np.ndarray:
    """``draws`` bootstrap medians of the values in ``groups`` (one array per process),
    resampled hierarchically: processes, then calls within each."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-nan: no values at all
        return np.nanmedian(_resampled(groups, rng, draws), axis=1)


def bootstrap_means(
    groups: Sequence[np.ndarray], rng: np.random.Generator, draws: int = DRAWS
) -> np.ndarray:
    """``draws`` bootstrap means of the values in ``groups``, resampled as
    ``bootstrap_medians`` resamples them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(_resampled(groups, rng, draws), axis=1)


def percentile_interval(draws: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    tail = 100 * (1 - confidence) / 2
    lo, hi = np.nanpercentile(draws, [tail, 100 - tail])
    return (float(lo), float(hi))


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg's step-up adjustment: adjusted p-values, in the order given.
    Rejecting those below q keeps the expected share of false rejections among all
    rejections at most q; when every hypothesis is true, the chance of any rejection too."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m - 1, -1, -1):
        i = order[rank]
        running = min(running, p_values[i] * m / (rank + 1))
        adjusted[i] = min(1.0, running)
    return adjusted
