"""Per-iteration throughput of the descent kernel on each problem, over commits."""

import backends
from kernels import FORMS

from .common import BACKENDS, DTYPES, DescentBenchmark, SkipNotImplemented


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


class ShardedSineFit:
    """The jax backend with the points split over 1, 2 or 4 devices (on a CPU, simulated
    devices need JAX_NUM_CPU_DEVICES=4 in asv's environment; otherwise skipped)."""

    params = ([1, 2, 4], [4003, 1_000_003])
    param_names = ("devices", "size")
    timeout = 600

    def setup(self, devices, size):
        jax = backends.get("jax")
        reason = jax.unavailable_reason()
        if reason:
            raise SkipNotImplemented(f"jax unavailable: {reason}")
        self.bench = SineFit()
        self.bench.prepare(jax.sharded(devices), size, "float64")

    def time_run(self, devices, size):
        self.bench.time_run("jax", size, "float64")

    def track_iterations_per_second(self, devices, size):
        return self.bench.track_iterations_per_second("jax", size, "float64")

    track_iterations_per_second.unit = "iterations/s"
