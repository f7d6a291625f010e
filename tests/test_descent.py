"""descend: checkpoints, divergence, argument checks."""

import math

import numpy as np
import pytest

import reference as ref
from descent_bench import kernels


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_divergence_reports_first_nonfinite_iteration(backend):
    problem = kernels.Paraboloid(dims=1, walkers=1)
    # lr 2.5: p <- -4 p, so f = 16^t; float64 overflows when 16^t > 1.8e308, at t = 256.
    with pytest.raises(kernels.Diverged) as info:
        kernels.descend(
            problem,
            backend,
            iterations=1000,
            lr=2.5,
            initial=np.array([[1.0]]),
            checkpoints=range(0, 1001, 100),
        )
    assert info.value.iteration == 256


def test_history_records_each_checkpoint_and_the_end(backend):
    problem = kernels.Paraboloid()
    result = kernels.descend(problem, backend, iterations=25, checkpoints=[0, 10, 20, 99])
    assert [t for t, _ in result.history] == [0, 10, 20, 25]


def test_snapshots_hold_the_iterates(backend):
    problem = kernels.Paraboloid()
    start = problem.initial_params(start=[6, -3])
    result = kernels.descend(
        problem, backend, iterations=20, initial=start, checkpoints=[7], keep_params=True
    )
    assert [t for t, _ in result.snapshots] == [7, 20]
    np.testing.assert_allclose(
        result.snapshots[0][1], ref.paraboloid_descent(start, 0.001, 7), rtol=1e-15
    )


@pytest.mark.parametrize("lr", [0.0, -1.0, math.inf, math.nan])
def test_bad_learning_rate_is_rejected(lr):
    from descent_bench import backends

    with pytest.raises(ValueError, match="lr must be"):
        kernels.descend(kernels.Paraboloid(), backends.load("numpy"), lr=lr)
