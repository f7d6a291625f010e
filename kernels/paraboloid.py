"""The paraboloid: minimise f(p) = sum_i p_i^2 in D dimensions, for M walkers at once.

Each walker follows its own gradient, 2p (the gradient of the sum of f over walkers). The loss
reported is the mean of f over walkers, which for one walker is f itself. One iteration reads
and writes all M x D coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Paraboloid:
    dims: int = 2
    walkers: int = 1

    name = "paraboloid"
    default_lr = 0.001
    default_iterations = 5000
    default_print_every = 500

    def __post_init__(self) -> None:
        if self.dims < 1:
            raise ValueError(f"dims must be a positive integer, got {self.dims}")
        if self.walkers < 1:
            raise ValueError(f"walkers must be a positive integer, got {self.walkers}")

    @property
    def size(self) -> int:
        return self.walkers

    # Every coordinate descends on its own: errors never mix (for the agreement tolerance).
    coupled_params = 1

    def bytes_per_iteration(self, itemsize: int) -> int:
        """Compulsory traffic of one iteration: reading and writing every coordinate."""
        return 2 * self.walkers * self.dims * itemsize

    # Layout for sharding: the walkers axis of the parameters is the one to split; walkers
    # padded with zeros stay at zero and add nothing to the loss.
    params_point_axis = 0
    zero_padding_form = None

    def trim(self, params: np.ndarray) -> np.ndarray:
        """The parameters of the real walkers, without padding."""
        return params[: self.walkers]

    def phrased(self, form: str) -> Paraboloid:
        """One phrasing only: the gradient is 2p."""
        return self

    def host_data(self) -> tuple[np.ndarray, ...]:
        return ()

    def initial_params(self, seed: int = 0, start: Any = None) -> np.ndarray:
        """Every walker at ``start``, or each at a random point with every |p_i| in [1, 10].

        The article draws integers in [-10, 10] and rejects zeros so that no walker starts on
        (or on an axis through) the minimum; this draws reals the same way.
        """
        if start is not None:
            point = np.asarray(start, dtype=np.float64)
            if point.shape != (self.dims,):
                raise ValueError(f"start needs {self.dims} coordinates, got {point.size}")
            return np.tile(point, (self.walkers, 1))
        rng = np.random.default_rng(seed)
        magnitude = rng.uniform(1.0, 10.0, size=(self.walkers, self.dims))
        sign = rng.choice([-1.0, 1.0], size=(self.walkers, self.dims))
        return magnitude * sign

    def loss(self, xp: Any, params: Any, data: Any) -> Any:
        return xp.sum(params * params) / self.walkers

    def gradient(self, xp: Any, params: Any, data: Any) -> Any:
        return 2.0 * params

    def step(self, xp: Any, params: Any, data: Any, lr: Any) -> Any:
        # (2 lr) p equals lr (2 p) exactly (scaling by 2 is exact) and saves a pass over p.
        return params - (2.0 * lr) * params
