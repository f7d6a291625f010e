"""What a backend hands the harness about its calls and loops: one timed call (``CallTime``),
K iterations cut into pieces that Ctrl-C can come between (``pieces``), a loop a user of the
library writes first (``Baseline``), and an exception's one line (``one_line``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from descent_bench.kernels import Loop, Problem

# Element-iterations one uninterrupted call may run: about a tenth of a second to a second
# on a CPU, so that Ctrl-C is honoured between calls (Python handles signals only there).
PIECE_ELEMENTS = 5 * 10**8


def pieces(k: int, elements: int, limit: int = 2**31 - 1) -> list[int]:
    """``k`` iterations as calls of at most ``PIECE_ELEMENTS`` element-iterations (and at
    most ``limit`` iterations) each: equal pieces and one remainder. A timed call of
    ``compare``'s default K is one piece."""
    size = max(1, min(limit, PIECE_ELEMENTS // max(1, elements)))
    return [size] * (k // size) + ([k % size] if k % size else [])


def one_line(exc: BaseException) -> str:
    """An exception as one line: its type, and its message's last non-empty line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[-1]}" if lines else type(exc).__name__


@dataclass(frozen=True)
class CallTime:
    """One timed call: ``host_seconds`` (perf_counter around the call and its sync, the clock
    every row is compared on) and ``device_seconds`` (the device's own events around the same
    call, where the backend has them: CUDA events for CuPy)."""

    host_seconds: float
    device_seconds: float | None


@dataclass(frozen=True)
class Baseline:
    """A loop a user of the library writes first, measured as a row beside the backend's
    own: its label, its loop for a problem (None: none for that problem, so no row), and the
    gradient phrasing whose data it reads (None: the backend's choice)."""

    label: str
    make_loop: Callable[[Problem], Loop | None]
    form: str | None = None
    compiles: bool = False  # compiled at its first call (a compile time), e.g. jit of a step


def device_label(name: str, devices: int) -> str:
    """A backend's row name over ``devices`` devices: its name, or e.g. ``jax-4dev``."""
    return name if devices == 1 else f"{name}-{devices}dev"


@dataclass(frozen=True)
class Overhead:
    """A part of each iteration a backend spent outside computing, measured: its seconds per
    iteration, and what it is and how it was measured (e.g. "scheduling (the same graph on
    one-element chunks)")."""

    seconds_per_iteration: float
    what: str
