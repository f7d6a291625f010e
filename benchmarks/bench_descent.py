"""Per-iteration throughput of the descent kernel on each problem, over commits."""

from kernels import FORMS

from .common import BACKENDS, DTYPES, DescentBenchmark


class SineFit(DescentBenchmark):
    problem_name = "sine"
    params = (BACKENDS, [2000, 200_000, 10_000_000], DTYPES)


class Paraboloid(DescentBenchmark):
    problem_name = "paraboloid"
    params = (BACKENDS, [1, 1000, 1_000_000], DTYPES)


class SineFitForms:
    """Each phrasing of the sine gradient on each backend, so a regression in the path a
    backend does not choose today still shows (``time_run`` of K compiled iterations)."""

    params = (BACKENDS, list(FORMS), [2000, 1_000_000])
    param_names = ("backend", "form", "size")
    timeout = 600

    def setup(self, backend, form, size):
        self.bench = SineFit()
        self.bench.form = form
        self.bench.setup(backend, size, "float64")

    def time_run(self, backend, form, size):
        self.bench.time_run(backend, size, "float64")
