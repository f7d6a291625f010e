"""``descend``: plain gradient descent, params <- params - lr * grad loss(params).

The loop itself belongs to the backend (``Executor.compile_loop``): an eager Python loop, or
one compiled program for K steps. ``descend`` runs it between checkpoints, where it reads the
loss back to the host; the iterations in between never leave the device.

A compiled loop may be compiled once per K (jax: a static trip count), and one compile of a
large program takes minutes, so ``descend`` asks for at most two distinct K per run
(``calls``): a chunk that divides the spans between checkpoints, and a remainder.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar, cast

import numpy as np

from descent_bench.kernels import capabilities
from descent_bench.kernels.outcome import Descent, Diverged, NonFiniteStart
from descent_bench.kernels.problem import Array, Data, Loop, Ops, Problem, Step

P = TypeVar("P", bound=Problem)


class Executor(Protocol):
    """What the kernel needs of a backend (``descent_bench.backends.Backend`` is one)."""

    @property
    def n_devices(self) -> int: ...

    @property
    def ops(self) -> Ops: ...

    def load(self) -> Any: ...

    def gradient_form(self, size: int) -> str: ...

    def put(self, host: np.ndarray, dtype: str, axis: int | None) -> Array: ...

    def to_numpy(self, array: Array) -> np.ndarray: ...

    def sync(self, result: Any) -> Any: ...

    def compile_loop(self, step: Step) -> Loop: ...


def place(
    problem: P,
    backend: Executor,
    dtype: str,
    initial: np.ndarray,
    form: str | None = None,
    host_data: Callable[[Problem], Sequence[np.ndarray]] | None = None,
) -> tuple[P, Data, Array]:
    """The problem phrased for ``backend``, and its data and start on the backend's device(s).

    ``form`` overrides the backend's choice of phrasing; ``host_data`` makes the phrased
    problem's data where not ``problem.host_data()`` (e.g. made once for several rows). A
    backend spanning several devices splits each array along its points axis, padding with
    zeros; the problem names the phrasing for which that padding is exact
    (``capabilities.Layout``): one that does not runs on one device only (``ValueError``).
    """
    backend.load()
    if backend.n_devices > 1:
        if not capabilities.splits_over_devices(problem):
            raise ValueError(
                f"{problem.name} runs on one device: it does not say how its data and "
                "parameters split over devices (capabilities.Layout)"
            )
        form = capabilities.zero_padding_form(problem) or form
    problem = cast(P, capabilities.phrased(problem, form or backend.gradient_form(problem.size)))
    host = problem.host_data() if host_data is None else host_data(problem)
    data = tuple(backend.put(a, dtype, axis=a.ndim - 1) for a in host)
    params = backend.put(initial, dtype, axis=capabilities.params_point_axis(problem))
    return problem, data, params


def checkpoints_every(every: int, iterations: int, offset: int = 0) -> list[int]:
    """Iterations offset, offset+every, ... up to ``iterations``."""
    return list(range(offset, iterations + 1, every)) if every > 0 else []


def calls(stops: list[int]) -> list[tuple[int, list[int]]]:
    """Each of ``stops`` (ascending checkpoints > 0, the last the end) with the K of the loop
    calls that reach it from the one before (from 0 for the first), at most two distinct K.

    The chunk is the greatest common divisor of the spans between checkpoints (the first
    and the last span apart, which may be offset from the grid): every span runs as calls
    of the chunk, and what the first or the last span has left over as one call of the
    remainder (one-step calls where the two are left with different remainders). Without
    checkpoints in between, the longer of the two spans is the chunk.
    """
    spans = [b - a for a, b in zip([0, *stops], stops, strict=False)]
    inner = spans[1:-1]
    chunk = math.gcd(*inner) if inner else max(spans)
    left = {spans[0] % chunk, spans[-1] % chunk} - {0}
    remainder = left.pop() if len(left) == 1 else 1

    def ks(span: int) -> list[int]:
        return [chunk] * (span // chunk) + [remainder] * (span % chunk // remainder)

    return [(stop, ks(span)) for stop, span in zip(stops, spans, strict=True)]


def descend(
    problem: Problem,
    backend: Executor,
    *,
    dtype: str = "float64",
    iterations: int | None = None,
    lr: float | None = None,
    initial: np.ndarray | None = None,
    seed: int = 0,
    checkpoints: Iterable[int] = (),
    keep_params: bool = False,
    form: str | None = None,
) -> Descent:
    """Run gradient descent of ``problem`` on ``backend``.

    The loss (and, with ``keep_params``, the parameters) is recorded at each of
    ``checkpoints`` and at the end. A non-finite loss stops the run with ``Diverged``, naming
    the first iteration whose loss is non-finite. ``form`` overrides how the problem phrases
    its gradient (default: the backend's ``gradient_form``).
    """
    iterations = problem.default_iterations if iterations is None else iterations
    lr = problem.default_lr if lr is None else lr
    if iterations < 1:
        raise ValueError(f"iterations must be a positive integer, got {iterations}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr}")
    host_params = problem.initial_params(seed) if initial is None else initial
    problem, data, params = place(problem, backend, dtype, host_params, form)
    ops = backend.ops
    run = backend.compile_loop(problem.step)
    stops = sorted({t for t in checkpoints if 0 <= t <= iterations} | {iterations})

    history: list[tuple[int, float]] = []
    snapshots: list[tuple[int, np.ndarray]] = []
    done = 0
    start = time.perf_counter()
    start_loss = float(problem.loss(ops, params, data))
    if not math.isfinite(start_loss):
        raise NonFiniteStart(start_loss, dtype)
    start_stop: list[tuple[int, list[int]]] = [(0, [])] if stops[0] == 0 else []
    for stop, ks in start_stop + calls([t for t in stops if t > 0]):
        previous = params
        for k in ks:
            params = run(params, data, lr, k)
        loss = float(problem.loss(ops, params, data))
        if not math.isfinite(loss):
            raise Diverged(*_first_nonfinite(problem, run, ops, previous, data, lr, done, stop))
        done = stop
        history.append((stop, loss))
        if keep_params:
            kept = capabilities.trim(problem, backend.to_numpy(params))
            snapshots.append((stop, kept.astype(np.float64)))
    backend.sync(params)
    seconds = time.perf_counter() - start
    return Descent(
        params=capabilities.trim(problem, backend.to_numpy(params)).astype(np.float64),
        loss=history[-1][1],
        iterations=iterations,
        seconds=seconds,
        history=history,
        snapshots=snapshots,
    )


def _first_nonfinite(
    problem: Problem,
    run: Loop,
    ops: Ops,
    params: Array,
    data: Data,
    lr: float,
    done: int,
    stop: int,
) -> tuple[int, float]:
    """Replay from the last finite checkpoint one step at a time to find where it broke."""
    for t in range(done + 1, stop + 1):
        params = run(params, data, lr, 1)
        loss = float(problem.loss(ops, params, data))
        if not math.isfinite(loss):
            return t, loss
    return stop, math.nan  # unreachable for a deterministic backend
