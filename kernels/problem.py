"""The Problem contract: what a problem gives the descent loop, the harness and the reports.

A problem is a frozen dataclass at one size. Its class carries what the harness would otherwise
hard-code per problem: its name, its options as plain data (``Option``; the command line turns
them into flags), default sizes and the learning rate that stays stable as the size grows, the
tutorial-style printout, the size label and its picture. ``kernels.PROBLEMS`` lists the problem
classes; nothing else does.

Device-side methods (``loss``, ``gradient``, ``step``) receive ``Ops``: the array-API namespace
``ops.xp`` plus the few primitives the standard lacks, each with a standard-only fallback that
a backend may replace with a faster one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol, Self, runtime_checkable

import numpy as np

from descent_bench.kernels.outcome import Descent

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

    def validate(self, value: Any) -> Any:
        """``value`` if this option allows it, else ``ValueError`` naming the option."""
        if self.kind == "int" and self.minimum is not None and value < self.minimum:
            bound = "a positive integer" if self.minimum == 1 else f"an integer >= {self.minimum}"
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


@dataclass(frozen=True)
class PolynomialDescent:
    """A step of the form c <- c - lr * constant * sum_i g_i x_i^j, with g = r or sign(r)
    (``sign``) and r = p_c(x) - y over data (x, y): all a fused reference loop needs to know
    of a problem to run its descent without the kernel."""

    constant: float
    sign: bool


@dataclass(frozen=True)
class CoordinateDecay:
    """A step p <- p - lr * rate * p of every coordinate on its own: linear, so K steps
    take p to p (1 - lr rate)^K, which an exact reference computes without the kernel."""

    rate: float


@runtime_checkable
class DecaysCoordinates(Protocol):
    """Optional: a problem whose step is a ``CoordinateDecay`` (found by ``isinstance``)."""

    def coordinate_decay(self) -> CoordinateDecay: ...


class Problem(Protocol):
    """What ``descend``, the measurement suite and the reports use of a problem."""

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
    default_print_every: ClassVar[int]
    keeps_params: ClassVar[bool]  # the printout needs the parameters at each checkpoint
    divergence_hint: ClassVar[str]
    plot_panels: ClassVar[int]  # axes ``draw`` fills

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
        """Parameters whose rounding errors mix in one update (for the agreement tolerance)."""
        ...

    @property
    def elements(self) -> int:
        """Array elements one iteration streams through."""
        ...

    # Layout for sharding: the parameters' axis split over devices (None: replicated), and
    # the gradient phrasing for which zero padding of the data is exact (None: any).
    params_point_axis: ClassVar[int | None]
    zero_padding_form: ClassVar[str | None]

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

    def phrased(self, form: str) -> Self:
        """The same problem with its gradient phrased as ``form``."""
        ...

    def host_data(self) -> tuple[np.ndarray, ...]: ...

    def initial_params(self, seed: int = 0, start: Sequence[float] | None = None) -> np.ndarray:
        """``start`` (the ``start_option`` value) or a start drawn from ``seed``."""
        ...

    def trim(self, params: np.ndarray) -> np.ndarray:
        """The parameters without padding added for several devices."""
        ...

    def loss(self, ops: Ops, params: Array, data: Data) -> Array: ...

    def gradient(self, ops: Ops, params: Array, data: Data) -> Array: ...

    def step(self, ops: Ops, params: Array, data: Data, lr: Any) -> Array: ...

    # -- presentation as plain data -------------------------------------------------------
    def progress_stops(self, iterations: int, every: int) -> list[int]:
        """The iterations the tutorial prints (t = number of updates done)."""
        ...

    def progress_line(self, t: int, loss: float, params: np.ndarray | None) -> str: ...

    def summary(self, params: np.ndarray) -> str:
        """The last line of the tutorial's printout."""
        ...

    def draw(self, result: Descent, axes: Sequence[Any], title: str) -> None:
        """The tutorial's picture on ``plot_panels`` matplotlib axes (given, never created)."""
        ...

    def tutorial_loop(self) -> Loop | None:
        """The tutorial's own loop on host NumPy arrays, the baseline of every speedup, or
        None where the tutorial has none for this variant."""
        ...

    def polynomial_descent(self) -> PolynomialDescent | None:
        """The step as a ``PolynomialDescent`` over the elementwise data (x, y), for the
        fused reference loop; None where the step is not of that form."""
        ...
