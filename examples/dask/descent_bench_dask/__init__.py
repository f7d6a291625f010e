"""dask.array as a descent-bench backend, registered from outside it (the entry point in
``pyproject.toml``).

The data is chunked along its points (``CHUNK_POINTS`` a chunk) and kept on the cluster;
the kernel runs through the array API standard (array-api-compat's dask namespace), so the
moments are dask reductions; parameters without a points axis (the sine fit's coefficients)
stay small and in host memory, and each iteration is computed before the next is built, so
the graph does not grow with K. Where a row's time goes is measured beside it: the same
graph on one-element chunks is the scheduling, the rest is computing (``overhead``).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np

from descent_bench.backends import Backend, BackendUnavailable
from descent_bench.backends.calls import Overhead
from descent_bench.kernels import Array, Data, Loop, Step
from descent_bench_dask import cluster

# Points per chunk: 8 MB of float64 (dask's "auto" would make one chunk of 128 MiB).
CHUNK_POINTS = 10**6
# Calls of the one-element-chunk graph timed for the scheduling share, and at most as many
# iterations each as a timed call runs.
OVERHEAD_CALLS = 3
OVERHEAD_ITERATIONS = 20


class DaskBackend(Backend):
    name = "dask"
    distribution = "dask"
    in_default_compare = False  # a scheduler round trip per iteration: measured when named
    round_trip_per_iteration = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._threads = 1
        self._stand_ins: dict[str, Any] = {}  # by placed array's name: one-element chunks

    def _load(self) -> None:
        try:
            import array_api_compat.dask.array  # noqa: F401
            import dask.array  # noqa: F401
            import distributed  # noqa: F401
        except ImportError as exc:
            raise BackendUnavailable(
                f"dask.array, distributed or array-api-compat is not installed "
                f"(pip install 'dask[array]' distributed array-api-compat): {exc}"
            ) from None

    @property
    def xp(self) -> Any:
        import array_api_compat.dask.array

        return array_api_compat.dask.array

    @property
    def device(self) -> Any:
        return self.xp.__array_namespace_info__().default_device()

    def devices(self) -> list[str]:
        return ["cpu"]

    def platform_reason(self) -> str:
        address = cluster.scheduler_address()
        where = f"the scheduler at {address}" if address else "a local cluster started per run"
        return f"dask.array on {where}, its chunks in that cluster's memory"

    def limit_threads(self, count: int) -> None:
        self._threads = count  # the local cluster's worker threads, when it starts

    def thread_count(self) -> int | None:
        return self._threads

    def accumulation_dtype(self, dtype: str, form: str | None, points: int) -> str:
        """Each chunk's sum is NumPy's (pairwise, in the input type); dask adds the chunks'
        sums in a tree, in the same type."""
        return dtype

    def row_notes(self) -> tuple[str, ...]:
        return (
            "the standard's primitives through array-api-compat (the moments as dask "
            "reductions), each iteration computed before the next",
            f"on {self._session().where}",
        )

    def _session(self) -> cluster.Session:
        return cluster.session(self._threads)

    # -- arrays -----------------------------------------------------------------------------
    def put(self, host: np.ndarray, dtype: str, axis: int | None) -> Array:
        """Host memory for arrays without a points axis (the parameters of a fit); else
        chunked along the points (the longest axis: a design matrix's rows, whatever the
        harness takes for the points) and persisted on the cluster."""
        if axis is None:
            return np.asarray(host, dtype=dtype)
        values = np.asarray(host, dtype=dtype)
        return self._chunked(values, int(np.argmax(values.shape)) if values.ndim else 0)

    def asarray(self, host: np.ndarray, dtype: str) -> Array:
        values = np.asarray(host, dtype=dtype)
        return self._chunked(values, max(0, values.ndim - 1))

    def _chunked(self, values: np.ndarray, axis: int) -> Array:
        """``values`` scattered to the cluster in chunks of ``CHUNK_POINTS`` along ``axis``
        (the data goes to the workers once, not inside every graph)."""
        import dask.array as da

        client = self._session().client
        if values.ndim == 0:
            values = values.reshape(1)
        pieces = max(1, -(-values.shape[axis] // CHUNK_POINTS))
        blocks = np.array_split(values, pieces, axis=axis)
        futures = client.scatter(blocks)
        arrays = [
            da.from_delayed(f, shape=b.shape, dtype=b.dtype)
            for f, b in zip(futures, blocks, strict=True)
        ]
        placed = da.concatenate(arrays, axis=axis).persist()
        # Its stand-in for ``overhead``: as many chunks, one element along the points each.
        shape = tuple(pieces if i == axis else n for i, n in enumerate(values.shape))
        chunks = tuple((1,) * pieces if i == axis else (n,) for i, n in enumerate(values.shape))
        self._stand_ins[placed.name] = da.ones(shape, chunks=chunks, dtype=values.dtype)
        return placed

    def to_numpy(self, array: Array) -> np.ndarray:
        if _lazy(array):
            self._session()
            return np.asarray(array.compute())
        return np.asarray(array)

    def sync(self, result: Any) -> Any:
        if isinstance(result, tuple):
            return tuple(self.sync(r) for r in result)
        if _lazy(result):  # computed on the cluster, kept there
            from distributed import wait

            self._session()
            result = result.persist()
            wait(result)
        return result

    # -- the loop ---------------------------------------------------------------------------
    def compile_loop(self, step: Step) -> Loop:
        ops = self.ops

        def run(params: Array, data: Data, lr: float, k: int) -> Array:
            for _ in range(k):
                params = _computed(step(ops, params, data, lr), on_host=not _lazy(params))
            return params

        return run

    def _one_element_chunks(self, array: Any) -> Any:
        """The stand-in of a placed array: ones, as many chunks, one element along the points
        each (host arrays as they are)."""
        if not _lazy(array) or array.name not in self._stand_ins:
            return array
        return self._stand_ins[array.name].persist()

    def overhead(self, loop: Loop, params: Array, data: Data, lr: float, k: int) -> Overhead | None:
        """Scheduling: the same graph (as many chunks, as many tasks) on one-element chunks,
        timed as the row is; None for arrays this object did not place."""
        if any(_lazy(a) and a.name not in self._stand_ins for a in (params, *data)):
            return None
        tiny = tuple(self._one_element_chunks(a) for a in data)
        start = self._one_element_chunks(params)
        iterations = max(1, min(k, OVERHEAD_ITERATIONS))
        seconds = []
        for _ in range(OVERHEAD_CALLS):
            begin = time.perf_counter()
            self.sync(loop(start, tiny, lr, iterations))
            seconds.append((time.perf_counter() - begin) / iterations)
        return Overhead(
            statistics.median(seconds), "scheduling (the same graph on one-element chunks)"
        )


def _lazy(array: Any) -> bool:
    return hasattr(array, "__dask_graph__")


def _computed(result: Any, on_host: bool) -> Any:
    """One iteration's result, computed: to host memory for parameters kept there, else
    persisted on the cluster (and waited for)."""
    if not _lazy(result):
        return result
    if on_host:
        return np.asarray(result.compute())
    from distributed import wait

    persisted = result.persist()
    wait(persisted)
    return persisted
