"""Each platform's streaming ceiling: the fastest read of a large array in the run, by the
run's own backends (a flat sum and one over rows) and, on the CPU, the C reference's
vectorised read, timed in turn so that a burst of load hits them alike."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from descent_bench.backends import Backend
from descent_bench.kernels import Array
from descent_bench.native import fused as native
from descent_bench.records.run import Ceiling

# Bytes summed to measure a platform's streaming ceiling: far beyond any cache.
CEILING_BYTES = {"cpu": 256 * 2**20, "gpu": 2 * 2**30}


def measure_ceilings(
    used: Sequence[Backend], dtype: str, note: Callable[[str], None] = lambda _: None
) -> dict[str, Ceiling]:
    """Each platform's streaming ceiling: the fastest read of a large array, by any of the
    ``used`` backends (loaded; flat, or in rows) or (on the CPU) the C reference's vectorised
    read, all timed in turn, on the threads the rows run with. ``note`` is told who reads."""
    # One read per namespace and platform: numba's arrays are NumPy's, and so is its sum.
    distinct: dict[tuple[int, str], Backend] = {}
    for backend in used:
        distinct.setdefault((id(backend.xp), backend.platform), backend)
    # The host's reads (a library whose arrays are NumPy's, the C loop) share one array of
    # ones, hundreds of MB, made once; a device's copy of it is its own.
    itemsize = np.dtype(dtype).itemsize
    host: list[np.ndarray] = []

    def ones(platform: str) -> np.ndarray:
        if platform == "cpu" and host:
            return host[0]
        made = np.ones(CEILING_BYTES[platform] // itemsize // ROW * ROW, dtype=dtype)
        if platform == "cpu":
            host.append(made)
        return made

    reads = [
        read for b in distinct.values() for read in backend_stream_reads(b, dtype, ones(b.platform))
    ]
    if any(r.platform == "cpu" for r in reads):
        c_read = c_stream_read(ones("cpu"))
        reads += [c_read] if c_read is not None else []
    note("streaming ceiling: reading with " + ", ".join(r.name for r in reads))
    speeds = stream_gbytes_per_second(reads)
    ceilings: dict[str, Ceiling] = {}
    for read in reads:
        best = ceilings.get(read.platform)
        if best is None or speeds[read.name] > best.gbytes_per_second:
            ceilings[read.platform] = Ceiling(speeds[read.name], read.name)
    return ceilings


@dataclass(frozen=True)
class StreamRead:
    """A way to read a large array once (a sum): one source of a streaming ceiling."""

    name: str
    platform: str
    nbytes: int  # bytes one call reads
    read_once: Callable[[], float]  # seconds of one call, synced inside


ROW = 4096  # points per row of the row-wise read


def backend_stream_reads(backend: Backend, dtype: str, ones: np.ndarray) -> list[StreamRead]:
    """The backend's own sums of a large array (``ones``, a whole number of rows, on its
    device), compiled and warmed up: one flat sum, and one over rows of ``ROW`` (which a
    library may split between threads)."""
    xp = backend.xp
    itemsize = np.dtype(dtype).itemsize
    count = ones.size
    array = backend.asarray(ones, dtype)

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


def c_stream_read(array: np.ndarray) -> StreamRead | None:
    """The C reference's vectorised single-thread read of a host array (None: no compiler)."""

    if native.unavailable_reason() is not None:
        return None
    library = native.load()
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
