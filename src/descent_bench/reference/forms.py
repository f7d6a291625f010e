"""What the tight bound of a least-squares descent reads of its data, beside the exact sums
(``bound.AffineRun``): per column of the design matrix, its largest square and its quadratic
forms with the absolute values of every column and the target. Both pass over the data a
chunk of points at a time, so a design made as it is read (``answer.PowersOfX``) is never
held whole."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Columns(Protocol):
    """N x n values read a chunk of rows at a time (an array, or one made as it is read)."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    def __getitem__(self, rows: slice) -> np.ndarray: ...


def column_max_squares(columns: Columns, chunk: int = 2**13) -> np.ndarray:
    """max_i V_ij^2 for each column j of V (``columns``: N x n)."""
    best = np.zeros(columns.shape[1])
    for start in range(0, columns.shape[0], chunk):
        v = columns[start : start + chunk]
        np.maximum(best, np.max(v * v, axis=0), out=best)
    return best


def quadratic_forms(columns: Columns, target: np.ndarray, chunk: int = 2**13) -> np.ndarray:
    """sum_i V_ij^2 W_il W_im for each column j of V (``columns``: N x n), W = [|V|, |y|]:
    per chunk of points, one product of V^2 with the products W_il W_im for l <= m (the
    forms are symmetric in l and m), the chunk's temporaries in cache."""
    n = columns.shape[1]
    upper_l, upper_m = np.triu_indices(n + 1)
    sums = np.zeros((n, upper_l.size))
    w = np.empty((n + 1, chunk))
    for start in range(0, columns.shape[0], chunk):
        v = columns[start : start + chunk].T  # n x chunk
        w_chunk = w[:, : v.shape[1]]
        np.abs(v, out=w_chunk[:n])
        np.abs(target[start : start + chunk], out=w_chunk[n])
        sums += (v * v) @ (w_chunk[upper_l] * w_chunk[upper_m]).T
    forms = np.zeros((n, n + 1, n + 1))
    forms[:, upper_l, upper_m] = sums
    forms[:, upper_m, upper_l] = sums
    return forms
