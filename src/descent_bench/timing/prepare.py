"""Getting a row ready to time, and timing one call of it.

Inputs go to the device before any clock starts. ``prepare`` runs the row's K-step loop
once to compile and warm up; that call's result is checked against the reference. A row that
compiles runs a second call as every later call will run: the compile time is the first call
minus the second, both on the row's one clock. Every timed call after that runs K
iterations, synced inside its timed region by the backend (``Backend.timed_call``): host
seconds for every row on every device, and the device's own event time beside them where the
backend has one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from descent_bench.backends.calls import CallTime, Overhead
from descent_bench.kernels import Array, Loop, Problem, capabilities, place
from descent_bench.reference.answer import SEED
from descent_bench.timing.rows import Row, Runner, runner
from descent_bench.timing.workloads import make_problem


@dataclass
class SharedInputs:
    """Inputs made once for the rows of one size (a problem's host data per phrasing, its
    start), kept as long as those rows are: a group's rows share them, then let them go.
    Rows read their data and never write it (loops are pure); each row gets its own copy
    of the start, which a loop may update in place."""

    data: dict[Problem, tuple[np.ndarray, ...]] = field(default_factory=dict)
    starts: dict[Problem, np.ndarray] = field(default_factory=dict)

    def host_data(self, problem: Problem) -> tuple[np.ndarray, ...]:
        try:
            hash(problem)
        except TypeError:  # e.g. a user's dataclass with eq but not frozen
            return problem.host_data()
        if problem not in self.data:
            self.data[problem] = problem.host_data()
        return self.data[problem]

    def initial_params(self, problem: Problem) -> np.ndarray:
        try:
            hash(problem)
        except TypeError:  # as above
            return problem.initial_params(seed=SEED)
        if problem not in self.starts:
            self.starts[problem] = problem.initial_params(seed=SEED)
        return self.starts[problem].copy()


@dataclass
class Prepared:
    """A row's loop on its device, compiled and warmed up, ready for timed calls."""

    runner: Runner
    problem: Problem  # phrased as the backend reads it
    iterations: int  # K of every timed call
    compile_seconds: float | None  # None: nothing compiles
    final_params: np.ndarray  # after K iterations, for the agreement check
    time_call: Callable[[], CallTime]  # one synced call of K iterations
    overhead: Overhead | None = None  # a part of an iteration outside computing, measured


def prepare(row: Row, made: Runner | None = None, shared: SharedInputs | None = None) -> Prepared:
    """``row`` placed on its device, compiled and warmed up, from the seeded start at the
    problem's stable lr; ``made``: what it runs, where not ``runner(row)`` (a fresh backend
    object, to time compiling); ``shared``: inputs made once for the rows of its size."""
    made = runner(row) if made is None else made
    shared = SharedInputs() if shared is None else shared
    backend = made.backend
    problem = make_problem(row.problem, row.size)
    lr = problem.stable_lr()
    initial = shared.initial_params(problem)
    problem, data, params = place(problem, backend, row.dtype, initial, made.form, shared.host_data)
    backend.sync((params, data))
    found = made.make_loop(problem)
    if found is None:
        raise ValueError(f"{row.label} has no loop for {problem.name}")
    loop: Loop = found
    k = row.iterations

    def call() -> Array:
        return loop(params, data, lr, k)

    first_result: list[Array] = []

    def first_call() -> Array:
        first_result.append(call())
        return first_result[-1]

    first = backend.timed_call(first_call).host_seconds
    compile_seconds = None
    if made.compiles:  # a steady call beside the first, on the same clock
        steady = backend.timed_call(call).host_seconds
        compile_seconds = max(0.0, first - steady)
    final = capabilities.trim(problem, backend.to_numpy(first_result[0]))
    return Prepared(
        runner=made,
        problem=problem,
        iterations=k,
        compile_seconds=compile_seconds,
        final_params=np.asarray(final, dtype=np.float64),
        time_call=lambda: backend.timed_call(call),
        overhead=backend.overhead(loop, params, data, lr, k),
    )
