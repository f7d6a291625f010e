"""Per-iteration throughput of the descent kernel on each problem, over commits.

One class per registered problem, made from the registry (a new problem gets its benchmarks
without a change here).
"""

from benchmarks.common import BACKENDS, DTYPES, DescentBenchmark, build, unit
from descent_bench import bench


def _problem_benchmark(name):
    return type(
        bench.class_name(name),
        (DescentBenchmark,),
        {
            "problem_name": name,
            "params": (BACKENDS, bench.sizes(name), DTYPES),
            "__doc__": f"The {name} problem: backend x size x dtype.",
        },
    )


for _name in bench.problem_names():
    globals()[bench.class_name(_name)] = _problem_benchmark(_name)


class SineFitForms:
    """Each phrasing of the sine gradient on each backend, so a regression in the path a
    backend does not choose today still shows (``time_run`` of K compiled iterations)."""

    params = (BACKENDS, bench.gradient_forms(), [2000, 1_000_000])
    param_names = ("backend", "form", "size")
    timeout = 600

    def setup(self, backend, form, size):
        self.workload = build("sine", size, "float64", backend, form=form)

    def time_run(self, backend, form, size):
        self.workload.run()


class StandardOnlySineFit:
    """Each backend that has a faster primitive, computing with the array API standard alone
    instead, so the primitive's gain is tracked and the standard path cannot rot."""

    params = (BACKENDS, [2000, 200_000])
    param_names = ("backend", "size")
    timeout = 600

    def setup(self, backend, size):
        self.workload = build("sine", size, "float64", backend, standard=True)

    def time_run(self, backend, size):
        self.workload.run()


class CompiledSineFit:
    """Each backend whose eager loop has a compiled variant (``torch.compile``), the K
    iterations run compiled: their time and the compile time, apart."""

    params = (BACKENDS, [2000, 1_000_000], DTYPES)
    param_names = ("backend", "size", "dtype")
    timeout = 600

    def setup(self, backend, size, dtype):
        self.workload = build("sine", size, dtype, backend, compiled=True)

    def time_run(self, backend, size, dtype):
        self.workload.run()

    @unit("seconds")
    def track_compile_seconds(self, backend, size, dtype):
        """First call on a fresh backend object (nothing cached) minus a steady call."""
        return self.workload.measure(fresh=True).compile_seconds

    @unit("relative")
    def track_max_rel_diff(self, backend, size, dtype):
        return self.workload.measure().max_rel_diff


class ShardedSineFit:
    """The backends that split data over devices, over 1, 2 or 4 devices (on a CPU, jax's
    simulated devices need JAX_NUM_CPU_DEVICES=4 in asv's environment; otherwise skipped)."""

    params = (bench.backend_names(splitting=True), [1, 2, 4], [4003, 1_000_003])
    param_names = ("backend", "devices", "size")
    timeout = 600

    def setup(self, backend, devices, size):
        self.workload = build("sine", size, "float64", backend, devices=devices)

    def time_run(self, backend, devices, size):
        self.workload.run()

    @unit("iterations/s")
    def track_iterations_per_second(self, backend, devices, size):
        return self.workload.measure().iterations_per_second
