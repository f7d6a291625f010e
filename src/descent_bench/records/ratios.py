"""Ratios between rows, computed when shown, each with a bootstrap interval: the speedup over
the tutorial row and the parallel efficiency of a row split over devices; and each row's own
figure with its interval.

The figure shown is the mean seconds per iteration over a row's calls, the statistic ``diff``
judges (``verdicts`` says why the mean), with a 95% interval from the hierarchical bootstrap
(worker processes, then calls within each)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from descent_bench.records import statistics
from descent_bench.records.record import Record

SEED = 20  # the bootstrap's seed: the same files give the same intervals


@dataclass(frozen=True)
class Ratio:
    value: float
    low: float  # a 95% interval; nan where a record keeps no calls
    high: float

    def scaled(self, factor: float) -> Ratio:
        return Ratio(self.value * factor, self.low * factor, self.high * factor)


Bootstrap = Callable[[Sequence[np.ndarray], np.random.Generator], np.ndarray]


def ratio_draws(
    numerator: Record,
    denominator: Record,
    rng: np.random.Generator,
    bootstrap: Bootstrap = statistics.bootstrap_medians,
) -> np.ndarray:
    """Bootstrap draws of the ratio of a statistic (the median unless ``bootstrap`` draws
    another) of numerator over denominator, seconds per iteration."""
    top = bootstrap(numerator.by_process(), rng)
    bottom = bootstrap(denominator.by_process(), rng)
    return np.asarray(top / bottom)


def shown_seconds(record: Record) -> Ratio:
    """The row's mean seconds per iteration with its 95% bootstrap interval (the median and
    no interval for a record that keeps no calls)."""
    value = record.mean_seconds_per_iteration
    if not record.samples:
        return Ratio(value, math.nan, math.nan)
    draws = statistics.bootstrap_means(record.by_process(), np.random.default_rng(SEED))
    low, high = statistics.percentile_interval(draws)
    return Ratio(value, low, high)


def ratio(numerator: Record, denominator: Record, confidence: float = 0.95) -> Ratio:
    """mean(numerator) / mean(denominator), seconds per iteration, with its bootstrap
    interval (the medians' ratio, no interval, where a record keeps no calls)."""
    if not numerator.samples or not denominator.samples:
        value = numerator.seconds_per_iteration / denominator.seconds_per_iteration
        return Ratio(value, math.nan, math.nan)
    value = numerator.mean_seconds_per_iteration / denominator.mean_seconds_per_iteration
    rng = np.random.default_rng(SEED)
    draws = ratio_draws(numerator, denominator, rng, statistics.bootstrap_means)
    low, high = statistics.percentile_interval(draws, confidence)
    return Ratio(value, low, high)


@dataclass(frozen=True)
class Relations:
    """Each record's ratios, by its position in the list shown."""

    speedup_vs_tutorial: dict[int, Ratio]
    parallel_efficiency: dict[int, Ratio]


def relate(records: list[Record], unit_label: str) -> Relations:
    """Each row's speedup over the ``unit_label`` row (the tutorial) at the same problem,
    size and dtype, and a split row's parallel efficiency against the same library's
    one-device row: (its iterations/s over the one-device row's) / devices."""
    by_label = {(r.backend, r.problem, r.size, r.dtype): r for r in records}
    # A library's own one-device row (its label is its name: not a variant like jax-standard).
    single = {
        (r.library, r.problem, r.size, r.dtype): r
        for r in records
        if r.devices == 1 and not r.baseline and r.backend == r.library
    }
    speedups: dict[int, Ratio] = {}
    efficiencies: dict[int, Ratio] = {}
    for i, r in enumerate(records):
        unit = by_label.get((unit_label, r.problem, r.size, r.dtype))
        if unit is not None:
            speedups[i] = Ratio(1.0, 1.0, 1.0) if unit is r else ratio(unit, r)
        one = single.get((r.library, r.problem, r.size, r.dtype))
        if r.devices > 1 and one is not None:
            efficiencies[i] = ratio(one, r).scaled(1 / r.devices)
    return Relations(speedups, efficiencies)
