"""Ratios between rows, computed when shown, each with a bootstrap interval: the speedup over
the tutorial row and the parallel efficiency of a row split over devices."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from descent_bench.measurement import statistics
from descent_bench.measurement.records import Record

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


def ratio(numerator: Record, denominator: Record, confidence: float = 0.95) -> Ratio:
    """median(numerator) / median(denominator) with its bootstrap interval."""
    value = numerator.seconds_per_iteration / denominator.seconds_per_iteration
    if not numerator.samples or not denominator.samples:
        return Ratio(value, math.nan, math.nan)
    draws = ratio_draws(numerator, denominator, np.random.default_rng(SEED))
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
