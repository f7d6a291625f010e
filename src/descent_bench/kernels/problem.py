"""The Problem contract: what a problem gives the descent loop, the harness and the reports.

A problem is a frozen dataclass at one size. Its class carries what the harness would otherwise
hard-code per problem: its name, its options as plain data (``Option``; the command line turns
them into flags), default sizes and the learning rate that stays stable as the size grows, the
size label. That core is ``Problem``; the rest a problem may offer is in ``capabilities``.
``kernels.PROBLEMS`` lists the problem classes (those of other packages too, registered under
the ``descent_bench.problems`` entry point group); nothing else does.

Device-side methods (``loss``, ``gradient``, ``step``) receive ``Ops``: the array-API namespace
``ops.xp`` plus the few primitives the standard lacks, each with a standard-only fallback that
a backend may replace with a faster one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol, Self

import numpy as np

# Arrays of any array-API library: the kernel never needs to know which.
Array = Any
Data = tuple[Array, ...]
# run(params, data, lr, k) -> params after k steps.
Loop = Callable[[Array, Data, float, int], Array]


@dataclass(frozen=True)
class Ops:
    """The array-API namespace and the primitives a step may use beyond it.

    Every primitive here is written against the standard alone; a backend that has a faster
    way (one fused pass, a library call) returns a subclass from ``Backend.ops``. A kernel
    calls ``ops.residual_moments`` and never asks which it got.
    """

    xp: Any

    def residual_moments(self, coeffs: Array, x: Array, y: Array, sign: bool) -> Array:
        """sum_i g_i x_i^j for j = 0..d (d + 1 = len(coeffs)), where r = p(x) - y is the
        residual of the polynomial with ``coeffs`` (constant first) and g = r, or sign(r)
        with ``sign``: the chain rule's last factor, from the residual's inputs, so that a
        backend can compute it in one pass over x and y.

        Standard-only: one sum per term of ``moment_terms``, each its own pass over memory.
        """
        xp = self.xp
        return xp.stack([xp.sum(term) for term in self.moment_terms(coeffs, x, y, sign)])

    def moment_terms(self, coeffs: Array, x: Array, y: Array, sign: bool) -> list[Array]:
        """The d + 1 arrays g x^j whose sums ``residual_moments`` returns: Horner's rule for
        r (no ``x ** j``), then g multiplied by x once per power."""
        degree = coeffs.shape[0] - 1
        y_pred = coeffs[degree]
        for j in range(degree - 1, -1, -1):
            y_pred = y_pred * x + coeffs[j]
        r = y_pred - y
        terms = [self.xp.sign(r) if sign else r]
        for _ in range(degree):
            terms.append(terms[-1] * x)
        return terms


# A step maps (ops, params, data, lr) to the next params; it is pure array-API code.
Step = Callable[[Ops, Array, Data, Any], Array]


@dataclass(frozen=True)
class Option:
    """One setting of a problem, as plain data: the command line makes a flag of it.

    ``kind`` says how text becomes a value: ``int``, ``real`` (a number or a multiple of pi),
    ``reals`` (comma-separated numbers; ``count`` of them when fixed) or ``choice`` (one of
    ``choices``). ``minimum`` bounds an ``int``. ``check`` raises ``ValueError`` with a
    one-line message for values the kind alone does not rule out.
    """

    name: str
    kind: Literal["int", "real", "reals", "choice"]
    default: Any
    help: str
    minimum: int | None = None
    count: int | None = None
    choices: tuple[str, ...] = ()
    metavar: str | None = None
    check: Callable[[Any], None] | None = None
    field: str | None = None  # the problem's field that holds it, where not named ``name``

    def validate(self, value: Any) -> Any:
        """``value`` if this option allows it, else ``ValueError`` naming the option."""
        if self.kind == "int" and self.minimum is not None and value < self.minimum:
            bound = {0: "a non-negative integer", 1: "a positive integer"}.get(
                self.minimum, f"an integer >= {self.minimum}"
            )
            raise ValueError(f"{self.name} must be {bound}, got {value}")
        if self.kind == "reals" and self.count is not None and len(value) != self.count:
            raise ValueError(f"{self.name} needs {self.count} numbers, got {len(value)}")
        if self.kind == "choice" and value not in self.choices:
            raise ValueError(
                f"unknown {self.name} {value!r} (choose from {', '.join(self.choices)})"
            )
        if self.check is not None:
            self.check(value)
        return value


class Problem(Protocol):
    """The core contract: what ``descend``, the measurement suite and the command line need of
    every problem. Everything else (the tutorial's loop, printout and picture, other phrasings
    of the gradient, a layout over devices, the step described as mathematics) is an optional
    capability (``capabilities``), found by ``isinstance``."""

    # -- the problem family, on the class -------------------------------------------------
    name: ClassVar[str]
    description: ClassVar[str]  # one line for the command line's help
    size_label: ClassVar[str]  # what ``size`` counts: "points", "walkers", ...
    options: ClassVar[tuple[Option, ...]]  # constructor fields settable from the command line
    start_option: ClassVar[Option]  # the starting parameters, e.g. --init or --start
    default_sizes: ClassVar[tuple[int, ...]]  # compare's sizes
    benchmark_sizes: ClassVar[tuple[int, ...]]  # asv's sizes
    default_lr: ClassVar[float]
    default_iterations: ClassVar[int]

    @classmethod
    def at_size(cls, size: int) -> Self:
        """The problem with ``size`` points/walkers and every other option at its default."""
        ...

    @classmethod
    def from_options(cls, values: Mapping[str, Any]) -> Self:
        """The problem from ``options`` values by name (missing ones take their default)."""
        ...

    # -- one instance ---------------------------------------------------------------------
    @property
    def size(self) -> int: ...

    @property
    def coupled_params(self) -> int:
        """Parameters whose rounding errors mix in one update (for the agreement bound)."""
        ...

    @property
    def elements(self) -> int:
        """Array elements one iteration streams through."""
        ...

    def stable_lr(self) -> float:
        """The tutorial's lr, scaled where the problem's curvature grows with its size."""
        ...

    def bytes_per_iteration(self, itemsize: int) -> int:
        """Compulsory memory traffic of one iteration."""
        ...

    def memory_bytes(self, itemsize: int) -> int:
        """An estimate of the memory a run holds at once, on the host and the device: the
        data in float64 and in ``itemsize``, a step's temporaries, the tutorial's loop."""
        ...

    def host_data(self) -> tuple[np.ndarray, ...]: ...

    def initial_params(self, seed: int = 0, start: Sequence[float] | None = None) -> np.ndarray:
        """``start`` (the ``start_option`` value) or a start drawn from ``seed``."""
        ...

    def loss(self, ops: Ops, params: Array, data: Data) -> Array: ...

    def step(self, ops: Ops, params: Array, data: Data, lr: Any) -> Array: ...
