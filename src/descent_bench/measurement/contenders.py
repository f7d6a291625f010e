"""The rows of a comparison: each backend's own loop, and the code a user writes first.

``tutorial``: the problem's tutorial loop on host NumPy arrays (the sine tutorial's literal
``x ** j`` loop; the article's plain-Python lists), the unit of every speedup.
``<backend>-step`` (e.g. ``jax-step``): the backend's naive loop, one compiled step called from
Python; a backend may name several such baselines (e.g. the PyTorch tutorial's tensor and
autograd loops) and a compiled variant of its own loop. ``c-fused``: the problem's descent
in C, one pass per step, where it is a polynomial descent and a C compiler is there: the
limit the other rows are held against. Which rows exist is asked of the backends and
problems, never decided by name here.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from descent_bench import backends
from descent_bench.backends import Backend
from descent_bench.backends.base import device_label, pieces
from descent_bench.kernels import Array, Data, Loop, Problem, capabilities
from descent_bench.measurement import native
from descent_bench.measurement.records import C_FUSED, TUTORIAL


@dataclass(frozen=True)
class Contender:
    """A row of the table: a label, the backend whose arrays it uses, and its K-step loop
    for a problem (None: no such loop for that problem, so no row)."""

    label: str
    backend: Backend
    make_loop: Callable[[Problem], Loop | None]
    baseline: bool = False
    form: str | None = None  # how the problem phrases its gradient; None: the backend's choice
    compiles: bool = False  # whether the loop is compiled at its first call (a compile time)


def own_loop(backend: Backend) -> Contender:
    """The backend's own loop (``compile_loop``), as it runs K iterations best."""
    return Contender(
        backend.label,
        backend,
        lambda problem: backend.compile_loop(problem.step),
        compiles=backend.compiles,
    )


def tutorial() -> Contender:
    """The problem's tutorial loop, on host NumPy arrays, the gradient phrased as written."""
    return Contender(
        TUTORIAL, backends.load("numpy"), capabilities.tutorial_loop, True, "elementwise"
    )


def fused_c_loop(problem: Problem) -> Loop | None:
    """The problem's descent as the C reference loop, or None (not a polynomial descent, or
    no C compiler here)."""
    descent = capabilities.polynomial_descent(problem)
    if descent is None or native.unavailable_reason() is not None:
        return None
    library = native.load()

    def run(params: Array, data: Data, lr: float, k: int) -> Array:
        x, y = data
        for piece in pieces(k, x.size + y.size):  # Ctrl-C is seen between C calls
            params = library.moment_descent(
                params, x, y, lr * descent.constant, piece, descent.sign
            )
        return params

    return run


def fused_c() -> Contender:
    """The C reference, on host NumPy arrays laid out as the elementwise phrasing's (x, y).
    Not a baseline: it runs every row's K, however large."""
    return Contender(C_FUSED, backends.load("numpy"), fused_c_loop, False, "elementwise")


def naive(backend: Backend) -> list[Contender]:
    """The loops a user of ``backend``'s library writes first (``Backend.baselines``)."""
    return [
        Contender(b.label, backend, b.make_loop, baseline=True, form=b.form, compiles=b.compiles)
        for b in backend.baselines()
    ]


def compiled(backend: Backend) -> Contender | None:
    """The backend's loop compiled by its library, where that is a row of its own and can
    run here; where it cannot, a warning says why and the eager rows still run."""
    variant = backend.compiled_variant()
    if variant is None:
        return None
    reason = variant.unavailable_reason()
    if reason is not None:
        warnings.warn(f"{variant.label} left out: {reason}", stacklevel=2)
        return None
    return replace(own_loop(variant), compiles=True)  # compiled at its first call


# How a row runs its K iterations: the backend's own loop, that loop with the standard's
# primitives or compiled by its library, the naive loop (one compiled step from Python) or
# another baseline (named by its label), the problem's tutorial loop, or the C loop.
OWN, STANDARD, COMPILED, NAIVE, TUTORIAL_LOOP, FUSED = (
    "own",
    "standard",
    "compiled",
    "naive",
    "tutorial",
    "fused",
)


@dataclass(frozen=True)
class Row:
    """One row, as every table and suite knows it: its label, the registered backend whose
    arrays it uses, the loop it runs (``OWN`` ... ``FUSED``, or a baseline's label), the
    devices it spans and whether it is a baseline. ``rows`` makes them from the registries
    alone (no library is loaded); ``compare``'s contenders and the asv and pytest-benchmark
    suites (``bench.table_rows``, ``bench.Workload.build``) all read them."""

    label: str
    backend: str
    loop: str
    devices: int = 1
    baseline: bool = False


def rows(names: Sequence[str], device_counts: Sequence[int] = (1,)) -> list[Row]:
    """The tutorial and the C reference, then each named backend's own loop (over each
    device count where it splits data over devices), its standard-only and compiled
    variants and its baselines, in that order."""
    made = [Row(TUTORIAL, "numpy", TUTORIAL_LOOP, baseline=True), Row(C_FUSED, "numpy", FUSED)]
    for name in names:
        backend = backends.get(name)
        counts = device_counts if backend.splits_over_devices else (1,)
        made.extend(Row(device_label(name, c), name, OWN, devices=c) for c in counts)
        standard = backend.standard_only()
        if standard is not None:
            made.append(Row(standard.label, name, STANDARD))
        variant = backend.compiled_variant()
        if variant is not None:
            made.append(Row(variant.label, name, COMPILED))
        for baseline in backend.baselines():
            loop = NAIVE if baseline.label == backend.naive_label else baseline.label
            made.append(Row(baseline.label, name, loop, baseline=True))
    return made


def contender(row: Row, backend: Backend) -> Contender | None:
    """The row's loop on ``backend`` (loaded), or None where it cannot run here (a compiled
    variant whose compiler is missing: a warning says why)."""
    if row.loop == TUTORIAL_LOOP:
        return tutorial()
    if row.loop == FUSED:
        return fused_c()
    if row.loop == OWN:
        return own_loop(backend.sharded(row.devices).load())
    if row.loop == STANDARD:
        standard = backend.standard_only()
        assert standard is not None  # rows made it from this backend
        return own_loop(standard.load())
    if row.loop == COMPILED:
        return compiled(backend)
    (made,) = [c for c in naive(backend) if c.label == row.label]
    return made


def held_against(row: Row) -> bool:
    """A row the backends are held against, not a backend's own loop: the tutorial, the C
    loop, a standard-only variant, a naive loop or another baseline."""
    return row.loop not in (OWN, COMPILED)


def contenders(
    chosen: Sequence[Backend], device_counts: Sequence[int] = (1,), baselines: bool = True
) -> list[Contender]:
    """Every row of ``rows`` for the chosen backends (loaded), as a loop to time; without
    ``baselines``, their own loops only."""
    by_name = {b.name: b for b in chosen}
    made = (
        contender(r, by_name.get(r.backend) or backends.load(r.backend))
        for r in rows(list(by_name), device_counts)
        if baselines or not held_against(r)
    )
    return [c for c in made if c is not None]
