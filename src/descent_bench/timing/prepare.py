"""Getting a row ready to time, and timing one call of it.

Inputs go to the device before any clock starts. ``prepare`` runs the row's loop once to
compile and warm up: K iterations where the loop compiles (a compiled program may be
specialised to K), one iteration where it does not (that call only touches the memory and
paths every later call uses). Every timed call after that runs K iterations, synced inside
its timed region by the backend (``Backend.timed_call``): host seconds for every row on every
device, and the device's own event time beside them where the backend has one. A row's
compile time is its first call minus what the timed calls say that many iterations take
(their median), on the row's one clock. The answer checked against the reference is the
latest timed call's: the work that was timed is the work that was checked.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
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
    first_seconds: float  # the first call: compiling where the loop compiles, warming up
    first_iterations: int  # K of the first call (``warmup_iterations``)
    time_call: Callable[[], CallTime]  # one synced call of K iterations
    answer: Callable[[], Array]  # the latest timed call's result (one more call if none)
    overhead: Overhead | None = None  # a part of an iteration outside computing, measured

    def compile_seconds(self, seconds_per_iteration: Sequence[float]) -> float | None:
        """What compiling cost: the first call beyond what the timed calls (each one's
        seconds per iteration) say its iterations take; None where nothing compiles or no
        call was timed."""
        if not self.runner.compiles or not seconds_per_iteration:
            return None
        steady = statistics.median(seconds_per_iteration) * self.first_iterations
        return max(0.0, self.first_seconds - steady)

    def final_params(self) -> np.ndarray:
        """The parameters after K iterations (the latest timed call's), on the host as
        float64, without padding: what the agreement check reads."""
        backend = self.runner.backend
        final = capabilities.trim(self.problem, backend.to_numpy(self.answer()))
        return np.asarray(final, dtype=np.float64)


def warmup_iterations(made: Runner, k: int) -> int:
    """K of a row's first call: its own K where the loop compiles (the program may be
    specialised to K), else one iteration."""
    return k if made.compiles else 1


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
    first_k = warmup_iterations(made, k)
    kept: list[Array] = []  # the latest result of K iterations

    def keep(result: Array) -> Array:
        kept[:] = [result]
        return result

    def first_call() -> Array:
        result = loop(params, data, lr, first_k)
        return keep(result) if first_k == k else result

    def time_call() -> CallTime:
        kept.clear()  # its memory free for the call, as for a call that keeps nothing
        return backend.timed_call(lambda: keep(loop(params, data, lr, k)))

    def answer() -> Array:
        if not kept:
            backend.sync(keep(loop(params, data, lr, k)))
        return kept[0]

    first = backend.timed_call(first_call).host_seconds
    return Prepared(
        runner=made,
        problem=problem,
        iterations=k,
        first_seconds=first,
        first_iterations=first_k,
        time_call=time_call,
        answer=answer,
        overhead=backend.overhead(loop, params, data, lr, k),
    )
