"""Per-iteration throughput of the descent kernel on each problem, over commits."""

import backends
from harness.workloads import SEED, default_iterations, learning_rate, make_problem
from kernels import FORMS, place

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
        self.backend = backends.get("jax")
        reason = self.backend.unavailable_reason()
        if reason is None:
            self.backend = self.backend.sharded(devices)
            reason = self.backend.unavailable_reason()
        if reason:
            raise SkipNotImplemented(f"jax over {devices} devices unavailable: {reason}")
        problem = make_problem("sine", size)
        self.iterations = default_iterations(problem)
        self.lr = learning_rate(problem)
        self.problem, self.data, self.params = place(
            problem, self.backend, "float64", problem.initial_params(seed=SEED)
        )
        self.loop = self.backend.compile_loop(self.problem.step)
        self.backend.sync(self.loop(self.params, self.data, self.lr, 1))

    def time_run(self, devices, size):
        self.backend.sync(self.loop(self.params, self.data, self.lr, self.iterations))

    def track_iterations_per_second(self, devices, size):
        times = self.backend.time_calls(
            lambda: self.loop(self.params, self.data, self.lr, self.iterations), 3
        )
        return self.iterations / sorted(times)[1]

    track_iterations_per_second.unit = "iterations/s"
