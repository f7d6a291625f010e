"""What a descent gives back: its outcome, or the iteration where it diverged."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class Diverged(ArithmeticError):
    """The loss became non-finite; ``iteration`` is the first iterate whose loss is."""

    def __init__(self, iteration: int, loss: float, advice: str = "") -> None:
        message = f"diverged: loss is {loss} at iteration {iteration}"
        super().__init__(f"{message}; {advice}" if advice else message)
        self.iteration = iteration
        self.loss = loss


class NonFiniteStart(ValueError):
    """The loss is not finite before any step: no learning rate can help; the start or the
    data is out of range for the dtype."""

    def __init__(self, loss: float, dtype: str) -> None:
        super().__init__(
            f"the loss is {loss} at the start, before any step: the start or the data is "
            f"not finite in {dtype}"
        )
        self.loss = loss


@dataclass
class Descent:
    """The outcome of a run. Iteration t means the iterate after t updates (t=0: the start)."""

    params: np.ndarray
    loss: float
    iterations: int
    seconds: float
    history: list[tuple[int, float]] = field(default_factory=list)
    snapshots: list[tuple[int, np.ndarray]] = field(default_factory=list)
