"""Measuring one row: a loop on a backend, at one problem size and dtype.

Inputs go to the device before any clock starts. The first call (k = 1) compiles and warms
up, and is timed on its own as the compile time. Then K iterations run once untimed (their
result is checked against the reference) and R more times timed, each call synced inside its
timed region by the backend; per-iteration time is the median call over K.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np

from descent_bench.backends import Backend
from descent_bench.kernels import Loop, Problem, place
from descent_bench.measurement.contenders import Contender


@dataclass
class Timing:
    iterations: int
    compile_seconds: float
    seconds_per_iteration: float
    spread: tuple[float, float]  # fastest and slowest call, per iteration
    repeats: int
    final_params: np.ndarray
    # Median cost of the timing itself (clock reads, the call, a sync on a ready result),
    # as a fraction of the median timed call.
    overhead_fraction: float

    @property
    def iterations_per_second(self) -> float:
        return 1.0 / self.seconds_per_iteration


def measure(
    contender: Contender,
    problem: Problem,
    dtype: str,
    lr: float,
    initial: np.ndarray,
    iterations: int,
    repeat: int,
    budget_seconds: float = 1.0,
) -> Timing:
    """Time ``contender`` on ``problem``. A slow row (a baseline at a large size) runs fewer
    iterations than asked, so that its R timed calls take about ``budget_seconds``."""
    backend = contender.backend
    problem, data, params = place(problem, backend, dtype, initial, contender.form)
    backend.sync((params, data))
    made = contender.make_loop(problem)
    if made is None:
        raise ValueError(f"{contender.label} has no loop for {problem.name}")
    loop: Loop = made

    start = time.perf_counter()
    first_result = backend.sync(loop(params, data, lr, 1))
    first = time.perf_counter() - start
    if contender.baseline and first > budget_seconds:
        # One iteration already exceeds the budget: that call is the checked result, and one
        # more call is the timing.
        k, one, final = 1, first, problem.trim(backend.to_numpy(first_result))
        times = backend.time_calls(lambda: loop(params, data, lr, 1), 1)
    else:
        one = statistics.median(backend.time_calls(lambda: loop(params, data, lr, 1), 3))
        k = iterations
        if contender.baseline:
            k = max(1, min(iterations, int(budget_seconds / max(one, 1e-9) / repeat)))
        final = problem.trim(backend.to_numpy(backend.sync(loop(params, data, lr, k))))
        times = backend.time_calls(lambda: loop(params, data, lr, k), repeat)
    empty = statistics.median(backend.time_calls(lambda: params, 101))
    return Timing(
        iterations=k,
        compile_seconds=max(0.0, first - one),
        seconds_per_iteration=statistics.median(times) / k,
        spread=(min(times) / k, max(times) / k),
        repeats=len(times),
        final_params=np.asarray(final, dtype=np.float64),
        overhead_fraction=empty / statistics.median(times),
    )


def stream_gbytes_per_second(backend: Backend, dtype: str, nbytes: int, repeat: int = 9) -> float:
    """This device's streaming ceiling as the backend sees it: a read-reduction (sum) of a
    large array, compulsory bytes over the median time."""
    itemsize = np.dtype(dtype).itemsize
    array = backend.asarray(np.ones(nbytes // itemsize), dtype)
    total = backend.compile_step(backend.xp.sum)
    backend.sync(total(array))
    times = backend.time_calls(lambda: total(array), repeat)
    return (nbytes // itemsize) * itemsize / statistics.median(times) / 1e9
