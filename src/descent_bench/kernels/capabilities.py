"""What a problem may offer beyond the core contract (``Problem``), each a small protocol
found by ``isinstance``, and what the harness does where a problem offers nothing.

- ``Tutorial``: the tutorial's own loop on host NumPy arrays, the baseline of every speedup
  (none: no tutorial row);
- ``Printout``: the tutorial's printout (none: the loss every tenth of the run, then the
  parameters);
- ``Picture``: the tutorial's picture (none: ``fit --plot`` draws the loss curve alone);
- ``Phrasings``: the gradient phrased in other ways (``FORMS``) that a backend may prefer
  (none: one phrasing);
- ``Layout``: how the parameters and data split over several devices (none: the problem
  runs on one device);
- ``PolynomialSteps``, ``AffineSteps`` and ``DecaysCoordinates``: the step described as
  mathematics, so that a C loop and an exact reference can run it without the kernel, and a
  description that disagrees with the step is refused (none: the reference is the
  tutorial's loop or the kernel on NumPy, said as such);
- ``DivergenceHint``: what a diverged ``fit`` suggests besides a lower lr (none: nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

import numpy as np

from descent_bench.kernels.outcome import Descent
from descent_bench.kernels.problem import Loop, Problem


@runtime_checkable
class Tutorial(Protocol):
    def tutorial_loop(self) -> Loop | None:
        """The tutorial's loop on host NumPy arrays, or None for this variant."""
        ...


@runtime_checkable
class Printout(Protocol):
    default_print_every: ClassVar[int]
    keeps_params: ClassVar[bool]  # the printout needs the parameters at each checkpoint

    def progress_stops(self, iterations: int, every: int) -> list[int]:
        """The iterations the tutorial prints (t = number of updates done)."""
        ...

    def progress_line(self, t: int, loss: float, params: np.ndarray | None) -> str: ...

    def summary(self, params: np.ndarray) -> str:
        """The last line of the tutorial's printout."""
        ...


@runtime_checkable
class Picture(Protocol):
    plot_panels: ClassVar[int]  # axes ``draw`` fills

    def draw(self, result: Descent, axes: Sequence[Any], title: str) -> None:
        """The tutorial's picture on ``plot_panels`` matplotlib axes (given, never made)."""
        ...


@runtime_checkable
class Phrasings(Protocol):
    form: str  # how this instance phrases its gradient

    def phrased(self, form: str) -> Self:
        """The same problem with its gradient phrased as ``form``."""
        ...


@runtime_checkable
class Layout(Protocol):
    # The parameters' axis split over devices (None: replicated), and the gradient phrasing
    # for which zero padding of the data is exact (None: any).
    params_point_axis: ClassVar[int | None]
    zero_padding_form: ClassVar[str | None]

    def trim(self, params: np.ndarray) -> np.ndarray:
        """The parameters without padding added for several devices."""
        ...


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
    """The step as a ``CoordinateDecay``."""

    def coordinate_decay(self) -> CoordinateDecay: ...


@dataclass(frozen=True)
class Arithmetic:
    """The arithmetic one iteration cannot do without: per point, ``fma`` fused multiply-adds
    (or multiplies, which the same units do) and ``add`` additions, over ``points`` points;
    and whether its data is updated in place (read and written) or read only. The roofs
    (``native.roofs``) are what the machine's peak and its read or update rate make of it."""

    fma: int
    add: int
    points: int
    updates: bool = False  # the data is read and written back each iteration (in place)

    @property
    def mix(self) -> str:
        return f"{self.fma} fma + {self.add} add"


@runtime_checkable
class CountsArithmetic(Protocol):
    """The step's arithmetic, counted (``Arithmetic``)."""

    def arithmetic(self) -> Arithmetic: ...


@dataclass(frozen=True)
class AffineStep:
    """A step c <- c - lr (scale D^T (D c - y) + ridge c): the gradient affine in c, from a
    design matrix D (N x n), a target y (N), the loss's scale and a ridge term, the data as
    the problem's step reads it (float64; a row rounds it to its dtype). Any least-squares
    problem: an exact reference forms D^T D and D^T y itself, in extended precision."""

    design: np.ndarray
    target: np.ndarray
    scale: float
    ridge: float = 0.0


@runtime_checkable
class AffineSteps(Protocol):
    def affine_step(self) -> AffineStep | None:
        """The step as an ``AffineStep``, or None for this variant."""
        ...


@runtime_checkable
class PolynomialSteps(Protocol):
    def polynomial_descent(self) -> PolynomialDescent | None:
        """The step as a ``PolynomialDescent`` over the elementwise data (x, y), or None."""
        ...


@runtime_checkable
class DivergenceHint(Protocol):
    divergence_hint: ClassVar[str]  # e.g. "lr must be below 1 for the paraboloid"


# -- what the harness uses: the capability, or what stands in for it ------------------------
def tutorial_loop(problem: Problem) -> Loop | None:
    return problem.tutorial_loop() if isinstance(problem, Tutorial) else None


def coordinate_decay(problem: Problem) -> CoordinateDecay | None:
    return problem.coordinate_decay() if isinstance(problem, DecaysCoordinates) else None


def arithmetic(problem: Problem) -> Arithmetic | None:
    return problem.arithmetic() if isinstance(problem, CountsArithmetic) else None


def resident_bytes(problem: Problem, itemsize: int) -> int:
    """The bytes an iteration works on (where they live decides the roof): its compulsory
    bytes, half of them where it updates its data in place (read, then written back)."""
    moved = problem.bytes_per_iteration(itemsize)
    work = arithmetic(problem)
    return moved // 2 if work is not None and work.updates else moved


def affine_step(problem: Problem) -> AffineStep | None:
    return problem.affine_step() if isinstance(problem, AffineSteps) else None


def polynomial_descent(problem: Problem) -> PolynomialDescent | None:
    return problem.polynomial_descent() if isinstance(problem, PolynomialSteps) else None


def phrased(problem: Problem, form: str) -> Problem:
    return problem.phrased(form) if isinstance(problem, Phrasings) else problem


def phrasing(problem: Problem) -> str | None:
    """How the problem phrases its gradient (None: it has one phrasing only)."""
    return problem.form if isinstance(problem, Phrasings) else None


def trim(problem: Problem, params: np.ndarray) -> np.ndarray:
    return problem.trim(params) if isinstance(problem, Layout) else params


def params_point_axis(problem: Problem) -> int | None:
    return problem.params_point_axis if isinstance(problem, Layout) else None


def zero_padding_form(problem: Problem) -> str | None:
    return problem.zero_padding_form if isinstance(problem, Layout) else None


def splits_over_devices(problem: Problem) -> bool:
    """Whether the problem says how it splits over devices (``Layout``)."""
    return isinstance(problem, Layout)


def divergence_hint(problem: Problem) -> str:
    """What a diverged run should try besides a lower lr ("" where the problem says none)."""
    return problem.divergence_hint if isinstance(problem, DivergenceHint) else ""


def print_every(problem: Problem, iterations: int) -> int:
    """The tutorial's spacing of printed lines, or a tenth of the run."""
    if isinstance(problem, Printout):
        return problem.default_print_every
    return max(1, iterations // 10)


def keeps_params(problem: Problem) -> bool:
    return problem.keeps_params if isinstance(problem, Printout) else False


def progress_stops(problem: Problem, iterations: int, every: int) -> list[int]:
    if isinstance(problem, Printout):
        return problem.progress_stops(iterations, every)
    return list(range(every, iterations + 1, every)) if every > 0 else []


def progress_line(problem: Problem, t: int, loss: float, params: np.ndarray | None) -> str:
    if isinstance(problem, Printout):
        return problem.progress_line(t, loss, params)
    return f"{t} {loss}"


def summary(problem: Problem, params: np.ndarray) -> str:
    if isinstance(problem, Printout):
        return problem.summary(params)
    return f"Result: {params.tolist()}"
