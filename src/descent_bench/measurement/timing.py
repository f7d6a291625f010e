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

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from descent_bench.backends import Backend
from descent_bench.backends.base import CallTime
from descent_bench.kernels import Array, Loop, Problem, capabilities, place
from descent_bench.measurement.contenders import Contender


@dataclass
class PreparedRow:
    """A row on its device, compiled and warmed up, ready for timed calls."""

    contender: Contender
    problem: Problem
    iterations: int
    compile_seconds: float | None  # None: nothing compiles
    final_params: np.ndarray  # after K iterations, for the agreement check
    time_call: Callable[[], CallTime]  # one synced call of K iterations


def prepare(
    contender: Contender,
    problem: Problem,
    dtype: str,
    lr: float,
    initial: np.ndarray,
    iterations: int,
) -> PreparedRow:
    """``contender`` at ``problem`` placed, compiled and warmed up; ``iterations`` is K."""
    backend = contender.backend
    problem, data, params = place(problem, backend, dtype, initial, contender.form)
    backend.sync((params, data))
    made = contender.make_loop(problem)
    if made is None:
        raise ValueError(f"{contender.label} has no loop for {problem.name}")
    loop: Loop = made
    k = iterations

    def call() -> Array:
        return loop(params, data, lr, k)

    first_result: list[Array] = []

    def first_call() -> Array:
        first_result.append(call())
        return first_result[-1]

    first = backend.timed_call(first_call).host_seconds
    compile_seconds = None
    if contender.compiles:  # a steady call beside the first, on the same clock
        steady = backend.timed_call(call).host_seconds
        compile_seconds = max(0.0, first - steady)
    final = capabilities.trim(problem, backend.to_numpy(first_result[0]))
    return PreparedRow(
        contender=contender,
        problem=problem,
        iterations=k,
        compile_seconds=compile_seconds,
        final_params=np.asarray(final, dtype=np.float64),
        time_call=lambda: backend.timed_call(call),
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
