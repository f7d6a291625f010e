"""The descent kernel and its problems, written only against the Python array API standard.

Nothing here branches on the backend: the backend supplies the namespace (``Ops``) and the
loop. ``PROBLEMS`` is the registry (``registry``): a new problem is one module and one line
there, or a package of its own registered under the ``descent_bench.problems`` entry point
group. The command line, the measurement suite, the reports and the asv suite all read it.
"""

from descent_bench.kernels import capabilities
from descent_bench.kernels.capabilities import (
    AffineStep,
    Arithmetic,
    CoordinateDecay,
    DecaysCoordinates,
    PolynomialDescent,
)
from descent_bench.kernels.descent import Executor, checkpoints_every, descend, place
from descent_bench.kernels.outcome import Descent, Diverged, NonFiniteStart
from descent_bench.kernels.paraboloid import Paraboloid
from descent_bench.kernels.problem import Array, Data, Loop, Ops, Option, Problem, Step
from descent_bench.kernels.problem_base import ProblemBase
from descent_bench.kernels.registry import Registry
from descent_bench.kernels.sine import FORMS, LOSSES, SineFit

PROBLEMS = Registry()

__all__ = [
    "FORMS",
    "LOSSES",
    "PROBLEMS",
    "AffineStep",
    "Arithmetic",
    "Array",
    "CoordinateDecay",
    "Data",
    "DecaysCoordinates",
    "Descent",
    "Diverged",
    "Executor",
    "Loop",
    "NonFiniteStart",
    "Ops",
    "Option",
    "Paraboloid",
    "PolynomialDescent",
    "Problem",
    "ProblemBase",
    "SineFit",
    "Step",
    "capabilities",
    "checkpoints_every",
    "descend",
    "place",
]
