"""Two runs compared row by row: the ratio of mean times per iteration, its interval, and a
verdict.

Method (README, "Comparing two runs"):
- rows match on label, problem, size, dtype, devices, K and threads;
- the ratio new/old of the mean seconds per iteration over a row's calls. The mean, not the
  median: on a shared host a row's calls fall into a fast and a slow mode (the host's slow
  stretches; a busy machine's time slices), and the median jumps from one mode to the other
  when the slow share crosses a half, where the mean moves in proportion to it. Calls shorter
  than a time slice mostly run undisturbed on a busy machine: their median barely moves,
  while the mean carries the time every long loop loses;
- the ratio is bootstrapped hierarchically: worker processes drawn with replacement, then
  calls within each drawn process, in each run apart, so the interval includes run-to-run
  variance, not only call-to-call;
- the margin is m = max(5%, 2 x the pooled relative IQR), at most 25%, the pooled relative IQR
  being the root mean square of the two rows' own: a change inside the rows' spread is not
  told apart from noise, but a change of a quarter is one to hear about however noisy the row
  (a row that cannot tell that is "uncertain", not "same"). Pooled, the margin does not depend
  on which run is called old. Taken from the old row alone, it was too narrow when the first
  run fell in a quiet spell of the host: margins down to 7%, and the host's own drift between
  the runs (every row but one 1.05-1.37x, with no load in the machine and no steal) called
  "slower" on 8 rows of 26. The price: a noisy run widens the margin, so a slowdown of less
  than a quarter in a noisy run may be "same";
- "slower" when the test of ratio <= 1 + m is rejected, "faster" when that of ratio >=
  1 / (1 + m) is, each at 5% after Benjamini and Hochberg's correction over all rows
  compared: of the rows called slower, at most 5% are expected to be called so falsely, and
  when no row changed, the chance of calling any is at most 5%, as with Holm's correction.
  Holm's guards against any false call even when many rows did change, so it demands the
  smallest p-value be below 5% / rows: a change that slows every row by a similar amount
  (a library, a compiler flag, the machine) was then called on a handful of rows and
  "uncertain" on the rest. The rows' errors are positively dependent, if at all (a host
  slowdown moves rows together), as the correction assumes;
- "same" when the ratio lies within [1 / (1 + m), 1 + m] (two one-sided tests at 5%);
  otherwise "uncertain";
- a row without calls (a schema-1 file) gets the ratio of its medians and "uncertain".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from descent_bench.records import statistics
from descent_bench.records.ratios import SEED, Ratio, ratio_draws
from descent_bench.records.record import Record, key

ALPHA = 0.05
MIN_MARGIN = 0.05
MAX_MARGIN = 0.25


@dataclass(frozen=True)
class RowChange:
    old: Record
    new: Record
    ratio: Ratio  # new over old mean seconds per iteration (above 1: slower)
    margin: float
    verdict: str  # "slower", "faster", "same" or "uncertain"
    p_slower: float  # adjusted (Benjamini-Hochberg)
    p_faster: float
    # bootstrap draws of the ratio (empty where a record keeps no calls)
    draws: np.ndarray = field(repr=False, compare=False)


@dataclass(frozen=True)
class Diff:
    changes: list[RowChange]
    only_old: list[Record]
    only_new: list[Record]

    def slower_beyond(self, fraction: float) -> list[RowChange]:
        """Rows slower by more than ``fraction``: the test of ratio <= 1 + fraction is
        rejected at 5% after Benjamini and Hochberg's correction over the rows compared."""
        p_values = [_p_at_most(c.draws, 1 + fraction) for c in self.changes]
        adjusted = statistics.benjamini_hochberg(p_values)
        return [c for c, p in zip(self.changes, adjusted, strict=True) if p < ALPHA]


def margin(old: Record, new: Record) -> float:
    """Twice the pooled relative IQR of the two rows (the root mean square of their own),
    within [5%, 25%]; the widest where a row has a single call; from the one row that keeps
    calls where the other keeps none (a schema-1 file, whose verdict is "uncertain" anyway:
    the margin is only shown)."""
    noises = [r.relative_noise for r in (old, new) if r.samples]
    if not noises:
        return MIN_MARGIN
    if any(math.isnan(n) for n in noises):
        return MAX_MARGIN
    pooled = math.sqrt(sum(n * n for n in noises) / len(noises))
    return min(MAX_MARGIN, max(MIN_MARGIN, 2 * pooled))


def _p_at_most(draws: np.ndarray, bound: float) -> float:
    """Bootstrap p-value of the hypothesis ratio <= ``bound`` (1 without draws)."""
    if len(draws) == 0:
        return 1.0
    return (np.count_nonzero(draws <= bound) + 1) / (len(draws) + 1)


def _p_at_least(draws: np.ndarray, bound: float) -> float:
    """Bootstrap p-value of the hypothesis ratio >= ``bound`` (1 without draws)."""
    if len(draws) == 0:
        return 1.0
    return (np.count_nonzero(draws >= bound) + 1) / (len(draws) + 1)


def _change(old: Record, new: Record) -> RowChange:
    """The row's ratio, interval and unadjusted p-values; its verdict still "uncertain"."""
    m = margin(old, new)
    if not old.samples or not new.samples:
        value = new.seconds_per_iteration / old.seconds_per_iteration
        ratio, draws = Ratio(value, math.nan, math.nan), np.empty(0)
    else:
        value = new.mean_seconds_per_iteration / old.mean_seconds_per_iteration
        rng = np.random.default_rng(SEED)
        draws = ratio_draws(new, old, rng, statistics.bootstrap_means)
        ratio = Ratio(value, *statistics.percentile_interval(draws))
    return RowChange(
        old,
        new,
        ratio,
        m,
        "uncertain",
        p_slower=_p_at_most(draws, 1 + m),
        p_faster=_p_at_least(draws, 1 / (1 + m)),
        draws=draws,
    )


def diff(old: list[Record], new: list[Record]) -> Diff:
    """Every row of ``new`` matched with ``old``'s, with its verdict."""
    old_by_key = {key(r): r for r in old}
    new_keys = {key(r) for r in new}
    raw = [_change(old_by_key[key(r)], r) for r in new if key(r) in old_by_key]
    slower = statistics.benjamini_hochberg([c.p_slower for c in raw])
    faster = statistics.benjamini_hochberg([c.p_faster for c in raw])
    changes = []
    for change, p_slow, p_fast in zip(raw, slower, faster, strict=True):
        m, draws = change.margin, change.draws
        p_same = max(_p_at_least(draws, 1 + m), _p_at_most(draws, 1 / (1 + m)))
        verdict = "uncertain"
        if len(draws):
            if p_slow < ALPHA:
                verdict = "slower"
            elif p_fast < ALPHA:
                verdict = "faster"
            elif p_same < ALPHA:
                verdict = "same"
        changes.append(replace(change, verdict=verdict, p_slower=p_slow, p_faster=p_fast))
    return Diff(
        changes,
        only_old=[r for r in old if key(r) not in new_keys],
        only_new=[r for r in new if key(r) not in old_by_key],
    )
