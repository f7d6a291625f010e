"""The stop rule: rounds go on until a size's rows are ranked, on a fake clock."""

import random

import numpy as np
import pytest

from descent_bench.backends.calls import CallTime
from descent_bench.timing import stopping
from descent_bench.timing.prepare import Prepared
from descent_bench.timing.visits import time_visits


def calls(mean, spread, n=20, seed=0):
    """``n`` calls around ``mean`` with a relative standard deviation ``spread``."""
    return list(mean * (1 + spread * np.random.default_rng(seed).standard_normal(n)))


def test_two_calls_tell_nothing():
    assert not stopping.settled([[1.0, 1.0]], 0.05)


def test_a_lone_row_must_be_within_the_target():
    assert stopping.settled([calls(1.0, 0.01)], 0.05)
    assert not stopping.settled([calls(1.0, 0.5, n=5)], 0.05)


def test_rows_far_apart_are_ranked_however_wide():
    assert stopping.settled([calls(1.0, 0.3, n=5), calls(100.0, 0.3, n=5, seed=1)], 0.01)


def test_overlapping_rows_are_not_ranked_while_one_is_wide():
    assert not stopping.settled([calls(1.0, 0.4, n=6), calls(1.1, 0.01, seed=1)], 0.05)


def test_overlapping_narrow_rows_are_a_tie_and_stop():
    assert stopping.settled([calls(1.0, 0.01), calls(1.001, 0.01, seed=1)], 0.05)


class FakeClock:
    """A clock that moves only when a fake row is timed."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def fake_row(clock, mean, spread, seed):
    rng = np.random.default_rng(seed)

    def time_call():
        seconds = float(mean * np.exp(spread * rng.standard_normal()))
        clock.now += seconds
        return CallTime(seconds, None)

    return Prepared(None, None, 1, 0.0, 1, time_call, lambda: np.zeros(1))  # type: ignore[arg-type]


def visits(rows_of, budget, clock, rounds=3):
    samples, _ = time_visits(
        {("p", 1): rows_of}, rounds, 0.05, 0, random.Random(0), clock() + budget, clock=clock
    )
    return [len(own) for own in samples[("p", 1)]]


@pytest.mark.parametrize(
    ("means", "spread", "stops_early"),
    [
        ((1.0, 3.0), 0.05, True),  # far apart: ranked after the first cycle
        ((1.0, 1.0), 0.001, True),  # equal and narrow: a tie, no more rounds
        ((1.0, 1.02), 0.5, False),  # close and wide: rounds until the budget
    ],
    ids=["apart", "tie", "unranked"],
)
def test_rounds_stop_when_the_rows_are_ranked(means, spread, stops_early):
    clock = FakeClock()
    rows = [fake_row(clock, m, spread, seed) for seed, m in enumerate(means)]
    counts = visits(rows, budget=200.0, clock=clock)
    if stops_early:
        assert counts == [3, 3] and clock.now < 20
    else:
        assert min(counts) > 3 and clock.now >= 200.0
