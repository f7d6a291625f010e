"""The paraboloid: minimise f(p) = sum_i p_i^2 in D dimensions, for M walkers at once.

Each walker follows its own gradient, 2p (the gradient of the sum of f over walkers). The loss
reported is the mean of f over walkers, which for one walker is f itself. One iteration reads
and writes all M x D coordinates. The printout and the picture are those of the article
"Gradient Descent from scratch".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from descent_bench.kernels.capabilities import Arithmetic, CoordinateDecay
from descent_bench.kernels.outcome import Descent
from descent_bench.kernels.problem import Array, Data, Loop, Ops, Option
from descent_bench.kernels.problem_base import ProblemBase


@dataclass(frozen=True)
class Paraboloid(ProblemBase):
    """Minimise the sum of squares f(p) = sum_i p_i^2 for ``walkers`` in ``dims`` dimensions."""

    dims: int = 2
    walkers: int = 1

    name: ClassVar[str] = "paraboloid"
    description: ClassVar[str] = "minimise the sum of squares"
    size_label: ClassVar[str] = "walkers"
    options: ClassVar[tuple[Option, ...]] = (
        Option("dims", "int", 2, "dimensions D of f(p) = sum p_i^2", minimum=1),
        Option("walkers", "int", 1, "walkers descending at once", minimum=1),
    )
    size_field: ClassVar[str] = "walkers"  # in 2 dimensions
    start_option: ClassVar[Option] = Option(
        "start",
        "reals",
        None,
        "start of every walker (default: random, away from the minimum)",
        metavar="V1,V2,...",
    )
    default_sizes: ClassVar[tuple[int, ...]] = (1, 1000, 100_000, 1_000_000)
    benchmark_sizes: ClassVar[tuple[int, ...]] = (1, 1000, 1_000_000)
    default_lr: ClassVar[float] = 0.001
    default_iterations: ClassVar[int] = 5000
    default_print_every: ClassVar[int] = 500
    keeps_params: ClassVar[bool] = True
    divergence_hint: ClassVar[str] = "lr must be below 1 for the paraboloid"
    plot_panels: ClassVar[int] = 1

    @property
    def elements(self) -> int:
        return self.walkers * self.dims

    # Every coordinate descends on its own: errors never mix (for the agreement tolerance).
    coupled_params: ClassVar[int] = 1

    def stable_lr(self) -> float:
        """The curvature is 2 at every size: the article's lr always."""
        return self.default_lr

    def memory_bytes(self, itemsize: int) -> int:
        """Host: start and result in float64; device: three arrays in ``itemsize``; the
        article's loop: a Python list of floats per walker (about 32 bytes a coordinate,
        64 a walker)."""
        coordinates = self.walkers * self.dims
        return coordinates * (16 + 3 * itemsize + 32) + 64 * self.walkers

    def bytes_per_iteration(self, itemsize: int) -> int:
        """Compulsory traffic of one iteration: reading and writing every coordinate."""
        return 2 * self.walkers * self.dims * itemsize

    # Layout for sharding: the walkers axis of the parameters is the one to split; walkers
    # padded with zeros stay at zero and add nothing to the loss.
    params_point_axis: ClassVar[int | None] = 0
    zero_padding_form: ClassVar[str | None] = None

    def trim(self, params: np.ndarray) -> np.ndarray:
        """The parameters of the real walkers, without padding."""
        return params[: self.walkers]

    def host_data(self) -> tuple[np.ndarray, ...]:
        return ()

    def initial_params(self, seed: int = 0, start: Sequence[float] | None = None) -> np.ndarray:
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

    def loss(self, ops: Ops, params: Array, data: Data) -> Array:
        return ops.xp.sum(params * params) / self.walkers

    def gradient(self, ops: Ops, params: Array, data: Data) -> Array:
        return 2.0 * params

    def arithmetic(self) -> Arithmetic:
        """Per coordinate: p - (2 lr) p, one FMA."""
        return Arithmetic(fma=1, add=0, points=self.walkers * self.dims, updates=True)

    def coordinate_decay(self) -> CoordinateDecay:
        """The step is p <- p - lr 2 p on every coordinate (the gradient 2p)."""
        return CoordinateDecay(rate=2.0)

    def step(self, ops: Ops, params: Array, data: Data, lr: Any) -> Array:
        # (2 lr) p equals lr (2 p) exactly (scaling by 2 is exact) and saves a pass over p.
        return params - (2.0 * lr) * params

    # -- presentation -------------------------------------------------------------------
    def progress_stops(self, iterations: int, every: int) -> list[int]:
        """The article prints the point after epoch i = 0, every, 2 every, ... (t = i + 1)."""
        return list(range(1, iterations + 1, every)) if every > 0 else []

    def progress_line(self, t: int, loss: float, params: np.ndarray | None) -> str:
        shown = "-" if params is None else str(params[0].tolist())
        text = shown if self.walkers == 1 else f"mean f over walkers {loss}"
        return f"Epoch {t - 1}: {text}"

    def summary(self, params: np.ndarray) -> str:
        best = params[int((params**2).sum(axis=1).argmin())]
        return f"Best guess for a minimum: {best.tolist()}"

    def draw(self, result: Descent, axes: Sequence[Any], title: str, max_paths: int = 20) -> None:
        """Contours of f over the first two coordinates with each walker's path."""
        (ax,) = axes
        paths = np.stack([p for _, p in result.snapshots])  # (checkpoints, walkers, dims)
        shown = paths[:, :max_paths, :]
        reach = max(1.0, float(np.abs(shown).max()) * 1.15)
        grid = np.linspace(-reach, reach, 201)
        if self.dims >= 2:
            gx, gy = np.meshgrid(grid, grid)
            contours = ax.contour(gx, gy, gx**2 + gy**2, levels=12, cmap="viridis", linewidths=0.8)
            ax.clabel(contours, fontsize=7)
            for w in range(shown.shape[1]):
                ax.plot(shown[:, w, 0], shown[:, w, 1], ".-", ms=3, lw=1)
                ax.plot(shown[0, w, 0], shown[0, w, 1], "o", color="black", ms=4)
            ax.plot([0], [0], "r*", ms=10, label="minimum")
            ax.set(xlabel="p0", ylabel="p1", aspect="equal")
        else:
            ax.plot(grid, grid**2, color="gray")
            for w in range(shown.shape[1]):
                ax.plot(shown[:, w, 0], shown[:, w, 0] ** 2, ".-", ms=3)
            ax.set(xlabel="p0", ylabel="f(p)")
        if self.walkers > max_paths:
            title += f" (first {max_paths} of {self.walkers} walkers)"
        ax.set_title(title)

    def tutorial_loop(self) -> Loop | None:
        return tutorial_paraboloid_loop

    def polynomial_descent(self) -> None:
        return None


def tutorial_paraboloid_loop(params: Array, data: Data, lr: float, k: int) -> Array:
    """The article's compute_step on Python lists, one walker after another."""
    walkers = params.tolist()
    for _ in range(k):
        for w, position in enumerate(walkers):
            gradient = [2 * v for v in position]
            walkers[w] = [v + g * -lr for v, g in zip(position, gradient, strict=True)]
    return np.array(walkers)
