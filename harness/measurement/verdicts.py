"""Two runs compared row by row: the ratio of medians, its interval, and a verdict.

Method (README, "Comparing two runs"):
- rows match on label, problem, size, dtype, devices, K and threads;
- the ratio new/old of median seconds per iteration is bootstrapped hierarchically: worker
  processes drawn with replacement, then calls within each drawn process, in each run apart,
  so the interval includes run-to-run variance, not only call-to-call;
- the margin is m = max(5%, 2 x the pooled relative IQR of the two rows), at most 50%: changes
  inside it are not told apart from noise, and a row too noisy for a 50% margin is not
  called "same";
- "slower" when the test of ratio <= 1 + m is rejected, "faster" when that of ratio >=
  1 / (1 + m) is, each at 5% after Holm's correction over all rows compared; "same" when the
  ratio lies within [1 / (1 + m), 1 + m] (two one-sided tests at 5%); otherwise "uncertain";
- a row without calls (a schema-1 file) gets its ratio and "uncertain".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from descent_bench.measurement import statistics
from descent_bench.measurement.ratios import SEED, Ratio, ratio_draws
from descent_bench.measurement.records import Record, key

ALPHA = 0.05
MIN_MARGIN = 0.05
MAX_MARGIN = 0.5


@dataclass(frozen=True)
class RowChange:
    old: Record
    new: Record
    ratio: Ratio  # new over old seconds per iteration (above 1: slower)
    margin: float
    verdict: str  # "slower", "faster", "same" or "uncertain"
    p_slower: float  # Holm-adjusted
    p_faster: float


@dataclass(frozen=True)
class Diff:
    changes: list[RowChange]
    only_old: list[Record]
    only_new: list[Record]

    def slower_beyond(self, fraction: float) -> list[RowChange]:
        """Rows slower by more than ``fraction``: the test of ratio <= 1 + fraction is
        rejected at 5% after Holm's correction over the rows compared."""
        p_values = [_p_at_most(c, 1 + fraction) for c in self.changes]
        adjusted = statistics.holm(p_values)
        return [c for c, p in zip(self.changes, adjusted, strict=True) if p < ALPHA]


def margin(old: Record, new: Record) -> float:
    noises = [n for n in (old.relative_noise, new.relative_noise) if not math.isnan(n)]
    pooled = math.sqrt(sum(n * n for n in noises) / len(noises)) if noises else 0.0
    return min(MAX_MARGIN, max(MIN_MARGIN, 2 * pooled))


def _draws(old: Record, new: Record) -> np.ndarray:
    return ratio_draws(new, old, np.random.default_rng(SEED))


def _p_at_most(change: RowChange, bound: float) -> float:
    """Bootstrap p-value of the hypothesis ratio <= ``bound`` (1 where nothing was kept)."""
    if not change.old.samples or not change.new.samples:
        return 1.0
    draws = _draws(change.old, change.new)
    return (np.count_nonzero(draws <= bound) + 1) / (len(draws) + 1)


def _change(old: Record, new: Record) -> tuple[RowChange, float, float, float]:
    m = margin(old, new)
    value = new.seconds_per_iteration / old.seconds_per_iteration
    if not old.samples or not new.samples:
        ratio = Ratio(value, math.nan, math.nan)
        return RowChange(old, new, ratio, m, "uncertain", 1.0, 1.0), 1.0, 1.0, 1.0
    draws = _draws(old, new)
    low, high = statistics.percentile_interval(draws)
    n = len(draws) + 1
    p_slower = (np.count_nonzero(draws <= 1 + m) + 1) / n
    p_faster = (np.count_nonzero(draws >= 1 / (1 + m)) + 1) / n
    p_same = max(
        (np.count_nonzero(draws >= 1 + m) + 1) / n,
        (np.count_nonzero(draws <= 1 / (1 + m)) + 1) / n,
    )
    change = RowChange(old, new, Ratio(value, low, high), m, "uncertain", p_slower, p_faster)
    return change, p_slower, p_faster, p_same


def diff(old: list[Record], new: list[Record]) -> Diff:
    """Every row of ``new`` matched with ``old``'s, with its verdict."""
    old_by_key = {key(r): r for r in old}
    new_keys = {key(r) for r in new}
    pairs = [(old_by_key[key(r)], r) for r in new if key(r) in old_by_key]
    raw = [_change(o, n) for o, n in pairs]
    slower = statistics.holm([p for _, p, _, _ in raw])
    faster = statistics.holm([p for _, _, p, _ in raw])
    changes = []
    for (change, _, _, p_same), p_slow, p_fast in zip(raw, slower, faster, strict=True):
        verdict = "uncertain"
        if change.old.samples and change.new.samples:
            if p_slow < ALPHA:
                verdict = "slower"
            elif p_fast < ALPHA:
                verdict = "faster"
            elif p_same < ALPHA:
                verdict = "same"
        changes.append(
            RowChange(change.old, change.new, change.ratio, change.margin, verdict, p_slow, p_fast)
        )
    return Diff(
        changes,
        only_old=[r for r in old if key(r) not in new_keys],
        only_new=[r for r in new if key(r) not in old_by_key],
    )
