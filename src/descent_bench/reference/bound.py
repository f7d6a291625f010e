"""How far from the reference a row may land and still agree: the bound, and the distance."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def unit_roundoff(dtype: str) -> float:
    return float(np.finfo(dtype).eps) / 2


def bound(dtype: str, iterations: int, coupled_params: int) -> float:
    """The largest ``max_rel_diff`` from the reference that agrees, for K descent steps
    computed in ``dtype`` with ``coupled_params`` parameters whose errors mix in a step.

    Each step c <- c - lr * g(c) rounds the update (about 2u relative to |c|, u the unit
    roundoff) and evaluates g on data rounded to ``dtype``; with a stable lr (lr * ||H|| <= 2)
    that data error moves the step by at most about 2 (n + 1) u |c| for n parameters. The
    iteration map I - lr H is non-expansive for a stable lr, so step errors add without
    growing: after K steps |c_dtype - c_exact|_2 <= (K (n + 4) + 1) u |c|_2, the 1 for
    rounding the start. ``max_rel_diff`` is inf-norm over inf-norm, at most sqrt(n) times
    the 2-norm ratio. float64 gives ~1e-12 for thousands of steps; float32 ~1e-3.
    """
    steps = iterations * (coupled_params + 4) + 1
    return steps * unit_roundoff(dtype) * math.sqrt(coupled_params)


def max_rel_diff(got: np.ndarray, want: np.ndarray) -> float:
    """Largest absolute difference over the largest reference magnitude (norm-wise, so a
    coefficient near zero does not blow up)."""
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    diff = float(np.max(np.abs(np.asarray(got, dtype=np.float64) - want))) if want.size else 0.0
    if not math.isfinite(diff):
        return math.inf
    return diff / scale if scale > 0 else diff


class Disagreement(AssertionError):
    """A backend's answer is farther from the reference than its bound allows."""


@dataclass(frozen=True)
class Agreement:
    """The distance of K iterations from the reference, and the bound it must keep."""

    max_rel_diff: float
    bound: float  # the largest max_rel_diff that agrees, for this dtype, K and problem
    reference: str  # which reference: "exact", "independent" or "kernel"

    @property
    def agrees(self) -> bool:
        return self.max_rel_diff <= self.bound

    def check(self) -> float:
        """``max_rel_diff``, or ``Disagreement`` naming it and the bound."""
        if not self.agrees:
            raise Disagreement(
                f"max_rel_diff {self.max_rel_diff:.3g} from the {self.reference} reference "
                f"exceeds the bound {self.bound:.3g}"
            )
        return self.max_rel_diff
