"""fit's loss-curve checkpoints sit on the printed stops' grid, so that descend reaches them
with few loop calls of at most two K (a compiled loop compiles once per K)."""

import pytest

from descent_bench import kernels
from descent_bench.cli.fit import curve_stops


@pytest.mark.parametrize(
    ("problem", "iterations", "print_every"),
    [
        (kernels.SineFit(), 2000, 100),
        (kernels.SineFit(), 200_000, 100),
        (kernels.SineFit(), 100_000, 333),
        (kernels.Paraboloid(), 5000, 500),
        (kernels.SineFit(), 1003, 0),
    ],
    ids=["sine-default", "sine-long", "sine-odd-spacing", "paraboloid", "no-printing"],
)
def test_fit_checkpoints_take_few_calls_of_two_k(problem, iterations, print_every):
    shown = problem.progress_stops(iterations, print_every)
    curve = curve_stops(iterations, shown)
    stops = sorted((set(shown) | set(curve) | {iterations}) - {0})
    ks = [k for _, call_ks in kernels.descent.calls(stops) for k in call_ks]
    assert len(set(ks)) <= 2 and sum(ks) == iterations
    assert len(ks) <= 2 * len(stops) + max(1, print_every)  # not one call per iteration
    assert 100 <= len(curve) <= 400  # the plotted curve keeps about 200 points
