"""The descent kernel and its problems, written only against the Python array API standard.

Nothing here branches on the backend: the backend supplies the namespace ``xp`` and the loop.
"""

from .descent import Descent, Diverged, checkpoints_every, descend, place
from .paraboloid import Paraboloid
from .sine import FORMS, LOSSES, SineFit

PROBLEMS = {"sine": SineFit, "paraboloid": Paraboloid}

__all__ = [
    "FORMS",
    "LOSSES",
    "PROBLEMS",
    "Descent",
    "Diverged",
    "Paraboloid",
    "SineFit",
    "checkpoints_every",
    "descend",
    "place",
]
