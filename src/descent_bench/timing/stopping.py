"""When a size's rows have had enough rounds: when their intervals rank them.

The table shows each row's mean seconds per iteration (the statistic ``diff`` judges) with the
half-width of its 95% interval. Rounds of a size go on while two rows next to each other in
speed have overlapping intervals and one of them is still wider than the target (their order
is not known yet, and more calls can tell it), or a lone row is still wider than the target.
Two neighbours whose intervals overlap although both are within the target are a tie at the
precision asked for: more calls would only split hairs. A row far from the others needs no
narrow interval to be ranked, and does not hold the run.

The rule reads the deciding process's own calls, with the normal interval of their mean:
cheap enough to ask after every round. Asked after every round, two rows of one speed would
sooner or later look apart by chance (each look is another chance), so the rule's interval is
the 99% one (2.58 standard errors), wider than the 95% one the table shows: the hierarchical
bootstrap over every process's calls (``ratios.shown_seconds``), which marks rows whose
intervals still overlap however the rounds stopped.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Z99 = 2.5758293035489004  # two-sided 99% quantile of the normal distribution
MIN_CALLS = 3  # fewer calls tell nothing of a row's spread


@dataclass(frozen=True)
class Estimate:
    """A row's mean seconds per iteration and the half-width of its 99% interval."""

    mean: float
    half_width: float

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    def narrow(self, target: float) -> bool:
        """Within ``target`` (a fraction of the mean) either side."""
        return self.half_width <= target * self.mean


def estimate(values: Sequence[float] | np.ndarray) -> Estimate:
    """The mean of ``values`` and the normal 99% half-width (infinite below ``MIN_CALLS``)."""
    array = np.asarray(values, dtype=np.float64)
    if len(array) < MIN_CALLS:
        mean = float(array.mean()) if len(array) else math.nan
        return Estimate(mean, math.inf)
    return Estimate(float(array.mean()), Z99 * float(array.std(ddof=1)) / math.sqrt(len(array)))


def separated(faster: Estimate, slower: Estimate) -> bool:
    """The two intervals do not overlap: the order of the two rows is known."""
    return faster.high < slower.low


def settled(rows: Sequence[Sequence[float]], target: float) -> bool:
    """Whether the rows of one size (each its calls' seconds per iteration) are ranked:
    every pair of neighbours in speed separated, or both within ``target``; a lone row
    within ``target``."""
    estimates = sorted((estimate(calls) for calls in rows), key=lambda e: e.mean)
    if any(math.isinf(e.half_width) or math.isnan(e.mean) for e in estimates):
        return False
    if len(estimates) == 1:
        return estimates[0].narrow(target)
    return all(
        separated(a, b) or (a.narrow(target) and b.narrow(target))
        for a, b in itertools.pairwise(estimates)
    )


def is_noisy(values: list[float], target: float) -> bool:
    """The interval of the calls' mean is wider than ``target`` either side (or too few
    calls to tell): the row's figure is not yet as precise as asked."""
    return not estimate(values).narrow(target)
