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


def first_nonfinite_sse_iteration(points, lr, limit):
    """The reference's first iteration whose sse loss is not finite (None: none by limit)."""
    x, y = ref.sine_data(points)
    vander = x[:, None] ** np.arange(4)
    c = kernels.SineFit(points).initial_params(seed=0)
    with np.errstate(all="ignore"):
        for t in range(1, limit + 1):
            c = c - lr * (vander.T @ (2 * (vander @ c - y)))
            if not np.isfinite(np.sum((vander @ c - y) ** 2)):
                return t
    return None


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_sine_divergence_is_found_where_the_reference_diverges(backend):
    # sse at 1e5 points with the tutorial's lr: unstable (lr must scale by 2000/N).
    want = first_nonfinite_sse_iteration(100_000, 1e-6, 300)
    with pytest.raises(kernels.Diverged) as info:
        kernels.descend(kernels.SineFit(100_000), backend, iterations=300, lr=1e-6)
    assert want is not None and abs(info.value.iteration - want) <= 1


class RecordingLoop:
    """The numpy backend, recording the K of every call of its compiled loop."""

    def __init__(self):
        from descent_bench import backends

        self.backend = backends.load("numpy")
        self.ks = []

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def compile_loop(self, step):
        run = self.backend.compile_loop(step)

        def recorded(params, data, lr, k):
            self.ks.append(k)
            return run(params, data, lr, k)

        return recorded


@pytest.mark.parametrize(
    ("iterations", "checkpoints"),
    [
        (1000, range(0, 1001, 100)),
        (1003, range(0, 1001, 5)),
        (1003, set(range(0, 1001, 5)) | set(range(0, 1001, 300))),  # fit's curve and prints
        (25, [0, 10, 20, 99]),
        (10**5, [7]),
        (50, [3, 10, 24, 49]),
        (40, []),
    ],
    ids=["even", "remainder", "two-spacings", "past-the-end", "one-early", "uneven", "none"],
)
def test_descend_calls_the_loop_with_at_most_two_k(iterations, checkpoints):
    """A compiled loop compiles once per K: a chunk, and the remainder after the checkpoints."""
    executor = RecordingLoop()
    problem = kernels.Paraboloid()
    result = kernels.descend(problem, executor, iterations=iterations, checkpoints=checkpoints)
    assert len(set(executor.ks)) <= 2 and sum(executor.ks) == iterations
    assert result.history[-1][0] == iterations


@pytest.mark.parametrize(
    ("stops", "want"),
    [
        ([100, 200, 250], [(100, [100]), (200, [100]), (250, [50])]),
        ([7, 1000], [(7, [7]), (1000, [993])]),
        ([9, 19, 29, 30], [(9, [1] * 9), (19, [10]), (29, [10]), (30, [1])]),
        ([40], [(40, [40])]),
    ],
    ids=["chunk-and-remainder", "one-early", "two-remainders-one-step-each", "one-call"],
)
def test_calls(stops, want):
    assert kernels.descent.calls(stops) == want
