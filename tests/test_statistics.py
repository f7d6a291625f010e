"""The statistics under every table and verdict, against independent computations."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from descent_bench.records import statistics


def test_median_interval_matches_the_binomial_order_statistics():
    # n = 20: P(B(20, 1/2) <= 5) = 0.0207, so [x(6), x(15)] (1-based) covers 95.9%.
    values = np.arange(1.0, 21.0)
    assert statistics.median_interval(values) == (6.0, 15.0)


def test_median_interval_with_too_few_values_is_the_range():
    assert statistics.median_interval([3.0, 1.0, 2.0]) == (1.0, 3.0)


def test_median_interval_covers_the_median_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(2000):
        lo, hi = statistics.median_interval(rng.exponential(size=15))
        hits += lo <= math.log(2) <= hi
    assert 0.94 <= hits / 2000 <= 0.995


def test_benjamini_hochberg_against_a_worked_example():
    # p = 0.01, 0.04, 0.03, 0.2 (m = 4): sorted 0.01, 0.03, 0.04, 0.2 -> 4/1 x 0.01 = 0.04,
    # min(4/2 x 0.03, 4/3 x 0.04) = 0.0533, 4/3 x 0.04 = 0.0533, 4/4 x 0.2 = 0.2.
    adjusted = statistics.benjamini_hochberg([0.01, 0.04, 0.03, 0.2])
    assert adjusted == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2])


def test_benjamini_hochberg_rejects_more_than_a_bonferroni_bound_when_many_are_small():
    # Twenty p-values of 0.02: none below 0.05 / 20, all below 0.05 after the adjustment.
    assert statistics.benjamini_hochberg([0.02] * 20) == pytest.approx([0.02] * 20)


def test_relative_noise_is_iqr_over_median():
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    assert statistics.relative_noise(values) == pytest.approx((4.0 - 2.0) / 3.0)
    assert math.isnan(statistics.relative_noise([1.0]))


def test_bootstrap_draws_whole_processes():
    # Two processes, each steady at its own speed: every draw's median is one of the two
    # speeds or between them, and both extremes occur (a process drawn twice).
    groups = [np.full(10, 1.0), np.full(10, 2.0)]
    draws = statistics.bootstrap_medians(groups, np.random.default_rng(0), draws=400)
    assert draws.min() == 1.0 and draws.max() == 2.0


def test_bootstrap_keeps_each_process_own_number_of_calls():
    groups = [np.array([1.0]), np.full(9, 3.0)]
    draws = statistics.bootstrap_medians(groups, np.random.default_rng(1), draws=200)
    assert set(np.unique(draws)) <= {1.0, 3.0}


@given(st.lists(st.floats(1e-9, 1e3), min_size=1, max_size=60))
def test_median_interval_contains_the_median(values):
    lo, hi = statistics.median_interval(values)
    assert lo <= np.median(values) <= hi
