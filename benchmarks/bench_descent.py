"""Per-iteration throughput of the descent kernel on each problem, over commits."""

from .common import BACKENDS, DTYPES, DescentBenchmark


class SineFit(DescentBenchmark):
    problem_name = "sine"
    params = (BACKENDS, [2000, 200_000, 10_000_000], DTYPES)


class Paraboloid(DescentBenchmark):
    problem_name = "paraboloid"
    params = (BACKENDS, [1, 1000, 1_000_000], DTYPES)
