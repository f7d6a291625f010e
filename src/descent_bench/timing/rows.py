"""A row as it is asked for: its identity (``RowId`` and K) and what runs it, and the one
function that turns it into what it runs (``runner``).

The rows of a comparison: ``tutorial``, the problem's tutorial loop on host NumPy arrays (the
unit of every speedup); ``c-fused``, the problem's descent as one C loop (where it is a
polynomial descent and a C compiler is there); then each backend's own loop (over each device
count where it splits data), its standard-only and compiled variants, and the loops a user of
its library writes first (``<backend>-step``, the PyTorch tutorial's loops). Which rows exist
is asked of the backends and problems, never decided by name here. ``compare``, the counted
process, the asv and pytest-benchmark suites (``bench``) and the GPU scripts all make their
rows with ``rows`` and run them through ``runner``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace

from descent_bench import backends
from descent_bench.backends import Backend, BackendUnavailable
from descent_bench.backends.calls import device_label, pieces
from descent_bench.kernels import Array, Data, Loop, Problem, capabilities
from descent_bench.native import fused as native
from descent_bench.records.record import C_FUSED, TUTORIAL, Record, RowId

# How a row runs its K iterations: the backend's own loop, that loop with the standard's
# primitives or compiled by its library, the naive loop (one compiled step called from
# Python) or another baseline (named by its label), the problem's tutorial loop, the C loop.
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
    """One row asked for: its label, the registered backend whose arrays it uses, the loop it
    runs (``OWN`` ... ``FUSED``, or a baseline's label), the problem at a size, the dtype, K
    of every timed call, the devices and threads it spans, whether it is a baseline, and a
    phrasing of the gradient that overrides the backend's (None: the backend's choice)."""

    label: str
    backend: str
    loop: str
    problem: str
    size: int
    dtype: str = "float64"
    iterations: int = 1
    devices: int = 1
    threads: int = 1
    baseline: bool = False
    form: str | None = None

    @property
    def id(self) -> RowId:
        """The identity its record carries (with K, what ``diff`` matches rows by)."""
        return RowId(self.label, self.problem, self.size, self.dtype, self.devices, self.threads)

    @property
    def held_against(self) -> bool:
        """A row the backends are held against, not a backend's own loop: the tutorial, the
        C loop, a standard-only variant, a naive loop or another baseline."""
        return self.loop not in (OWN, COMPILED)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Row:
        return cls(**json.loads(text))


def row_of(record: Record) -> Row:
    """The row ``record`` measured, as it was asked for (to run it again: counting)."""
    return Row(
        record.backend,
        record.library,
        record.loop or OWN,
        record.problem,
        record.size,
        record.dtype,
        record.iterations,
        record.devices,
        record.threads or 1,
        record.baseline,
    )


def rows(
    names: Sequence[str],
    problem: str,
    size: int,
    dtype: str = "float64",
    iterations: int = 1,
    threads: int = 1,
    device_counts: Sequence[int] = (1,),
) -> list[Row]:
    """The tutorial and the C loop, then each named backend's own loop (over each device
    count where it splits data over devices), its standard-only and compiled variants and
    its baselines, in that order, at ``problem`` and ``size``: made from the registries
    alone (no library is loaded); whether a row can run there is ``runner``'s to say."""
    at = Row("", backends.HOST, OWN, problem, size, dtype, iterations, threads=threads)
    made = [replace(at, label=TUTORIAL, loop=TUTORIAL_LOOP, baseline=True)]
    made.append(replace(at, label=C_FUSED, loop=FUSED))
    for name in names:
        backend = backends.get(name)
        counts = device_counts if backend.splits_over_devices else (1,)
        for c in counts:
            made.append(replace(at, label=device_label(name, c), backend=name, devices=c))
        standard = backend.standard_only()
        if standard is not None:
            made.append(replace(at, label=standard.label, backend=name, loop=STANDARD))
        variant = backend.compiled_variant()
        if variant is not None:
            made.append(replace(at, label=variant.label, backend=name, loop=COMPILED))
        for baseline in backend.baselines():
            loop = NAIVE if baseline.label == backend.naive_label else baseline.label
            made.append(replace(at, label=baseline.label, backend=name, loop=loop, baseline=True))
    return made


def row_for(
    backend: str, loop: str, problem: str, size: int, dtype: str, k: int, devices: int = 1
) -> Row:
    """The row of ``backend`` that runs ``loop`` (a loop kind, or a baseline's label) at
    ``problem`` and ``size``; ``BackendUnavailable`` naming what the backend lacks."""
    if not backends.known(backend):
        raise BackendUnavailable(f"{backend} is not a backend of this version")
    names = [] if loop == TUTORIAL_LOOP else [backend]
    for row in rows(names, problem, size, dtype, k):
        if loop in (row.loop, row.label) and row.backend == backend:
            # Over several devices where the backend splits data (``runner`` says where not).
            return replace(row, devices=devices) if loop in (OWN, STANDARD, COMPILED) else row
    if loop == TUTORIAL_LOOP:
        raise BackendUnavailable(f"the tutorial has no loop for {problem} on {backend}")
    lacks = {
        STANDARD: "no standard-only variant of its own (its primitives are the standard ones, "
        "or another backend's row is that variant)",
        NAIVE: "no naive loop of its own",
        COMPILED: "no compiled variant (its own loop is compiled already, or its library has "
        "no compiler)",
    }
    raise BackendUnavailable(f"{backend} has {lacks.get(loop, f'no loop {loop!r}')}")


@dataclass(frozen=True)
class Runner:
    """What a row runs: its backend (loaded), its K-step loop for a problem (None: no such
    loop for that problem, so no row), the phrasing whose data the loop reads (None: the
    backend's choice) and whether the loop is compiled at its first call."""

    backend: Backend
    make_loop: Callable[[Problem], Loop | None]
    form: str | None = None
    compiles: bool = False


def runner(row: Row) -> Runner:
    """What ``row`` runs, its backend loaded; ``BackendUnavailable`` says why it cannot run
    here (a library or compiler missing, a variant the backend does not have)."""
    if row.loop == TUTORIAL_LOOP:
        made = Runner(backends.host(), capabilities.tutorial_loop, "elementwise")
    elif row.loop == FUSED:
        made = Runner(backends.host(), fused_c_loop, "elementwise")
    else:
        made = _backend_runner(row)
    return made if row.form is None else replace(made, form=row.form)


def _backend_runner(row: Row) -> Runner:
    registered = backends.get(row.backend)
    if row.loop in (OWN, STANDARD, COMPILED):
        chosen: Backend | None = registered
        if row.loop == STANDARD:
            chosen = registered.standard_only()
        elif row.loop == COMPILED:
            chosen = registered.compiled_variant()
        if chosen is None:
            raise BackendUnavailable(f"{row.backend} has no {row.loop} variant")
        loaded = chosen.sharded(row.devices).load()
        compiles = loaded.compiles or row.loop == COMPILED
        return Runner(loaded, lambda problem: loaded.compile_loop(problem.step), None, compiles)
    loaded = registered.load()
    for baseline in loaded.baselines():
        named = NAIVE if baseline.label == loaded.naive_label else baseline.label
        if row.loop in (named, baseline.label):
            return Runner(loaded, baseline.make_loop, baseline.form, baseline.compiles)
    raise BackendUnavailable(f"no row {row.label}: {row.backend} has no loop {row.loop!r}")


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
