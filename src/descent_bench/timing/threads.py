"""The one thread policy: every row of a run computes on the same number of threads.

Two holds, because libraries size their thread pools in different ways:

- the process's CPU affinity while the libraries start: ``count`` CPUs. XLA:CPU sizes its
  pool from the CPUs the process may run on when jax starts, and no XLA flag changed its
  thread count on the machine measured (docs/performance.md); affinity does. Once the
  libraries have started, the process may run on every CPU again (``Hold.widen``): its
  ``count`` compute threads stay ``count``, and the operating system places them on whichever
  cores are free, where a pinned thread would wait for a core a neighbour is using.
- each backend's own limit (``Backend.limit_threads``): OpenBLAS and other BLAS pools through
  threadpoolctl, torch's intra-op threads, numba's.

On a busy machine a second thread that spins while the other core is taken can make a row
several times slower (docs/performance.md), so the default is one thread
(``settings.DEFAULT_THREADS``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator

from descent_bench.backends import Backend


def usable_cpus() -> list[int]:
    """The CPUs this process may run on (every CPU where affinity cannot be read)."""
    getter = getattr(os, "sched_getaffinity", None)
    if getter is None:
        return list(range(os.cpu_count() or 1))
    return sorted(getter(0))


def cpus_for(process: int, count: int, cpus: list[int]) -> list[int]:
    """The ``count`` CPUs worker ``process`` runs on: the next ones after the previous
    worker's, wrapping around."""
    count = min(count, len(cpus))
    start = process * count
    return [cpus[(start + i) % len(cpus)] for i in range(count)]


class Hold:
    """The CPUs a worker's libraries start on, and the way back to every CPU."""

    def __init__(self, cpus: list[int], before: list[int]) -> None:
        self.cpus = cpus
        self.before = before

    def widen(self) -> None:
        """Every CPU the process had, once the libraries sized their pools."""
        _run_on(self.before)


def _run_on(cpus: list[int]) -> None:
    """This process on ``cpus`` (nothing where affinity cannot be set: not Linux)."""
    setter = getattr(os, "sched_setaffinity", None)
    if setter is not None:
        setter(0, cpus)


def pin(process: int, count: int) -> list[int]:
    """This process on ``count`` CPUs (worker ``process``'s share) and every BLAS and OpenMP
    pool loaded so far held to ``count`` threads, for the rest of the process (a benchmark's
    own process); returns the CPUs. ``held`` is the same, undone on leaving."""
    from threadpoolctl import threadpool_limits

    cpus = cpus_for(process, count, usable_cpus())
    _run_on(cpus)
    threadpool_limits(limits=count)
    return cpus


@contextlib.contextmanager
def held(process: int, count: int) -> Iterator[Hold]:
    """``pin`` for the length of a ``with`` block: CPUs and pools restored on leaving."""
    from threadpoolctl import threadpool_limits

    before = usable_cpus()
    cpus = cpus_for(process, count, before)
    _run_on(cpus)
    try:
        with threadpool_limits(limits=count):
            yield Hold(cpus, before)
    finally:
        _run_on(before)


@contextlib.contextmanager
def held_backends(backends: Iterable[Backend], count: int) -> Iterator[None]:
    """Each backend's own intra-op pool held to ``count`` threads, restored on leaving."""
    chosen = list(dict.fromkeys(backends))
    before = [b.thread_count() for b in chosen]
    for backend in chosen:
        backend.limit_threads(count)
    try:
        yield
    finally:
        for backend, threads in zip(chosen, before, strict=True):
            if threads is not None:
                backend.limit_threads(threads)
