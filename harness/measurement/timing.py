"""Measuring one row: a loop on a backend, at one problem size and dtype.

Inputs go to the device before any clock starts. The first call (k = 1) compiles and warms
up, and is timed on its own as the compile time. Then K iterations run once untimed (their
result is checked against the reference) and R more times timed, each call synced inside its
timed region by the backend; per-iteration time is the median call over K.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from descent_bench.backends import Backend
from descent_bench.kernels import Array, Loop, Problem, place
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


@dataclass(frozen=True)
class StreamRead:
    """A way to read a large array once (a sum): one source of a streaming ceiling."""

    name: str
    platform: str
    nbytes: int  # bytes one call reads
    read_once: Callable[[], float]  # seconds of one call, synced inside


ROW = 4096  # points per row of the row-wise read


def backend_stream_reads(backend: Backend, dtype: str, nbytes: int) -> list[StreamRead]:
    """The backend's own sums of a large array on its device, compiled and warmed up: one
    flat sum, and one over rows of ``ROW`` (which a library may split between threads)."""
    xp = backend.xp
    itemsize = np.dtype(dtype).itemsize
    count = nbytes // itemsize // ROW * ROW
    array = backend.asarray(np.ones(count), dtype)

    def by_rows(a: Array) -> Array:
        return xp.sum(xp.sum(xp.reshape(a, (-1, ROW)), axis=1))

    sums = {
        backend.name: backend.compile_step(xp.sum),
        f"{backend.name}-rows": backend.compile_step(by_rows),
    }
    reads = []
    for name, total in sums.items():
        backend.sync(total(array))
        reads.append(
            StreamRead(name, backend.platform, count * itemsize, _timer(backend, total, array))
        )
    return reads


def _timer(backend: Backend, total: Callable[[Array], Array], array: Array) -> Callable[[], float]:
    """Seconds of one synced call of ``total(array)``."""
    return lambda: backend.time_calls(lambda: total(array), 1)[0]


def c_stream_read(dtype: str, nbytes: int) -> StreamRead | None:
    """The C reference's vectorised single-thread read of a host array (None: no compiler)."""
    from descent_bench.measurement import native

    if native.unavailable_reason() is not None:
        return None
    library = native.load()
    array = np.ones(nbytes // np.dtype(dtype).itemsize, dtype=dtype)
    library.stream_sum(array)

    def read_once() -> float:
        start = time.perf_counter()
        library.stream_sum(array)
        return time.perf_counter() - start

    return StreamRead("c-stream", "cpu", array.nbytes, read_once)


def stream_gbytes_per_second(reads: list[StreamRead], repeat: int = 9) -> dict[str, float]:
    """Each source's GB/s, compulsory bytes over its median time, the sources timed in
    turn, round after round, so that a burst of load hits them alike."""
    times: dict[str, list[float]] = {r.name: [] for r in reads}
    for _ in range(repeat):
        for read in reads:
            times[read.name].append(read.read_once())
    return {r.name: r.nbytes / statistics.median(times[r.name]) / 1e9 for r in reads}
