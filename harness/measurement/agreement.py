"""How far a run may be from the float64 NumPy reference and still agree with it."""

from __future__ import annotations

import math

import numpy as np


def unit_roundoff(dtype: str) -> float:
    return float(np.finfo(dtype).eps) / 2


def descent_tolerance(dtype: str, iterations: int, n_params: int) -> float:
    """Relative (2-norm) tolerance for K descent steps computed in ``dtype``.

    Each step c <- c - lr * g(c) rounds the update (about 2u relative to |c|, u the unit
    roundoff) and evaluates g on data rounded to ``dtype``; with a stable lr (lr * ||H|| <= 2)
    that data error moves the step by at most about 2 (d + 2) u |c| for d + 1 parameters. The
    iteration map I - lr H is non-expansive for a stable lr, so step errors add without growing:
    after K steps |c_dtype - c_exact| <= K (n_params + 4) u |c|, plus u |c| for rounding the
    start. float64 gives ~1e-13 for hundreds of steps; float32 ~1e-4.
    """
    return (iterations * (n_params + 4) + 1) * unit_roundoff(dtype)


def max_rel_diff(got: np.ndarray, want: np.ndarray) -> float:
    """Largest absolute difference over the largest reference magnitude (norm-wise, so a
    coefficient near zero does not blow up)."""
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    diff = float(np.max(np.abs(np.asarray(got, dtype=np.float64) - want))) if want.size else 0.0
    if not math.isfinite(diff):
        return math.inf
    return diff / scale if scale > 0 else diff


def agrees(diff: float, dtype: str, iterations: int, n_params: int) -> bool:
    """The inf-norm error is at most the 2-norm one, and |c|_2 <= sqrt(n) |c|_inf."""
    return diff <= descent_tolerance(dtype, iterations, n_params) * math.sqrt(n_params)
