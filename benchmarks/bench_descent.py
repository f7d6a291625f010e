"""Per-iteration time of the descent kernel on each problem, over commits.

One class per registered problem, made from the registry (a new problem gets its benchmarks
without a change here), at the sizes small enough for history (``history_sizes``: no
10-million-element rows, ``descent-bench compare`` covers those).
"""

import os

from benchmarks import compat
from benchmarks.common import BACKENDS, DTYPES, DescentBenchmark, Timed, build

bench = compat.bench
PROBLEMS = bench.problem_names() if bench else []


def _problem_benchmark(name):
    return type(
        bench.class_name(name),
        (DescentBenchmark,),
        {
            "problem_name": name,
            "params": (BACKENDS, compat.history_sizes(name), DTYPES),
            "__doc__": f"The {name} problem: backend x size x dtype.",
        },
    )


for _name in PROBLEMS:
    globals()[bench.class_name(_name)] = _problem_benchmark(_name)


class CompileTime(Timed):
    """The first call's cost where the backend compiles its loop: compiling on a fresh backend
    object (nothing cached) plus one iteration, at each problem's smallest history size."""

    params = (BACKENDS, PROBLEMS, DTYPES)
    param_names = ("backend", "problem", "dtype")
    number = 1
    repeat = (3, 5, 20.0)

    def setup(self, backend, problem, dtype):
        self.workload = build(problem, compat.history_sizes(problem)[0], dtype, backend)
        if not compat.compiles(self.workload):
            raise compat.skip(f"{backend} does not compile its loop: no compile time")

    def time_compile(self, backend, problem, dtype):
        compat.compile_fresh(self.workload)


class SineFitForms(Timed):
    """Each phrasing of the sine gradient on each backend, so a regression in the path a
    backend does not choose today still shows (``time_run`` of K compiled iterations)."""

    params = (BACKENDS, bench.gradient_forms() if bench else [], compat.history_sizes("sine"))
    param_names = ("backend", "form", "size")

    def setup(self, backend, form, size):
        self.workload = build("sine", size, "float64", backend, form=form)

    def time_run(self, backend, form, size):
        self.workload.run()


class StandardOnlySineFit(Timed):
    """Each backend that has a faster primitive, computing with the array API standard alone
    instead, so the primitive's gain is tracked and the standard path cannot rot."""

    params = (BACKENDS, compat.history_sizes("sine"))
    param_names = ("backend", "size")

    def setup(self, backend, size):
        self.workload = build("sine", size, "float64", backend, standard=True)

    def time_run(self, backend, size):
        self.workload.run()


class CompiledSineFit(Timed):
    """Each backend whose eager loop has a compiled variant of its own (``torch.compile``),
    the K iterations run compiled (its compile time is ``CompileTime``'s, on the variant)."""

    params = (BACKENDS, compat.history_sizes("sine"), DTYPES)
    param_names = ("backend", "size", "dtype")

    def setup(self, backend, size, dtype):
        self.workload = build("sine", size, dtype, backend, loop="compiled")

    def time_run(self, backend, size, dtype):
        self.workload.run()


DEVICE_COUNTS = [1, 2, 4]


class ShardedSineFit(Timed):
    """The backends that split data over devices, over 1, 2 or 4 devices: each count is its
    own series. On a CPU, jax simulates ``max(DEVICE_COUNTS)`` devices in every one of these
    rows, set here before jax starts (whatever the shell exported)."""

    params = (
        bench.backend_names(splitting=True) if bench else [],
        DEVICE_COUNTS,
        [4003, 1_000_003],
    )
    param_names = ("backend", "devices", "size")

    def setup(self, backend, devices, size):
        os.environ["JAX_NUM_CPU_DEVICES"] = str(max(DEVICE_COUNTS))
        self.workload = build("sine", size, "float64", backend, devices=devices)

    def time_run(self, backend, devices, size):
        self.workload.run()
