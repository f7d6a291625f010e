"""The descent kernel and its problems, written only against the Python array API standard.

Nothing here branches on the backend: the backend supplies the namespace (``Ops``) and the
loop. A new problem is one module and one line in ``PROBLEMS``: the command line, the
measurement suite, the reports and the asv suite all read it from here.
"""

from descent_bench.kernels.descent import Executor, checkpoints_every, descend, place
from descent_bench.kernels.outcome import Descent, Diverged, NonFiniteStart
from descent_bench.kernels.paraboloid import Paraboloid
from descent_bench.kernels.problem import (
    Array,
    CoordinateDecay,
    Data,
    DecaysCoordinates,
    Loop,
    Ops,
    Option,
    PolynomialDescent,
    Problem,
    Step,
)
from descent_bench.kernels.sine import FORMS, LOSSES, SineFit

PROBLEMS: dict[str, type[Problem]] = {
    SineFit.name: SineFit,
    Paraboloid.name: Paraboloid,
}

__all__ = [
    "FORMS",
    "LOSSES",
    "PROBLEMS",
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
    "SineFit",
    "Step",
    "checkpoints_every",
    "descend",
    "place",
]
