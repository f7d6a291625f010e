"""Ridge regression on generated data, as a descent-bench problem from outside descent-bench.

min_w L(w) = |X w - y|^2 / N + penalty |w|^2 over F weights, X an N x F matrix of standard
normal draws and y = X w_true + noise (a fixed seed: every backend gets the same numbers).
The gradient is (2 / N) X^T (X w - y) + 2 penalty w: two matrix-vector products a step, each
reading all of X.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from descent_bench.kernels import (
    AffineStep,
    Arithmetic,
    Array,
    Data,
    Loop,
    Ops,
    Option,
    ProblemBase,
)

DATA_SEED = 20_240_601  # the generated data, the same on every backend and run


def _check_penalty(value: float) -> None:
    if not value >= 0:
        raise ValueError(f"penalty must be a number >= 0, got {value}")


@dataclass(frozen=True)
class Ridge(ProblemBase):
    """Ridge regression with ``samples`` rows of ``features`` generated features."""

    samples: int = 1000
    features: int = 8
    penalty: float = 0.1

    name: ClassVar[str] = "ridge"
    description: ClassVar[str] = "ridge regression on generated data"
    size_label: ClassVar[str] = "samples"
    options: ClassVar[tuple[Option, ...]] = (
        Option("samples", "int", 1000, "rows of generated data", minimum=1),
        Option("features", "int", 8, "weights to fit", minimum=1),
        Option("penalty", "real", 0.1, "weight of |w|^2 in the loss", check=_check_penalty),
    )
    start_option: ClassVar[Option] = Option(
        "init", "reals", None, "initial weights (default: random)", metavar="W1,W2,..."
    )
    size_field: ClassVar[str] = "samples"
    default_sizes: ClassVar[tuple[int, ...]] = (1000, 100_000)
    benchmark_sizes: ClassVar[tuple[int, ...]] = (1000, 100_000)
    default_lr: ClassVar[float] = 0.1
    default_iterations: ClassVar[int] = 500

    @property
    def elements(self) -> int:
        return self.samples * (self.features + 1)

    @property
    def coupled_params(self) -> int:
        return self.features

    def stable_lr(self) -> float:
        """The Hessian is 2 (X^T X / N + penalty I); X^T X / N of standard normal rows has
        its eigenvalues near 1 (at most (1 + sqrt(F / N))^2), so 0.1 is stable while N >= F."""
        return self.default_lr

    def bytes_per_iteration(self, itemsize: int) -> int:
        """Reading X and y once a step."""
        return self.elements * itemsize

    def memory_bytes(self, itemsize: int) -> int:
        """X and y in float64 on the host and in ``itemsize`` on the device, a residual."""
        return self.elements * (8 + itemsize) + 2 * self.samples * itemsize

    def host_data(self) -> tuple[np.ndarray, ...]:
        rng = np.random.default_rng(DATA_SEED)
        x = rng.standard_normal((self.samples, self.features))
        truth = np.linspace(-1.0, 1.0, self.features)
        return x, x @ truth + 0.1 * rng.standard_normal(self.samples)

    def initial_params(self, seed: int = 0, start: Sequence[float] | None = None) -> np.ndarray:
        """``start``, or standard normal draws from ``seed``."""
        if start is None:
            return np.random.default_rng(seed).standard_normal(self.features)
        weights = np.asarray(start, dtype=np.float64)
        if weights.shape != (self.features,):
            raise ValueError(f"init needs {self.features} weights, got {weights.size}")
        return weights

    # -- device side: array-API code ------------------------------------------------------
    def loss(self, ops: Ops, params: Array, data: Data) -> Array:
        x, y = data
        r = x @ params - y
        return ops.xp.sum(r * r) / self.samples + self.penalty * ops.xp.sum(params * params)

    def step(self, ops: Ops, params: Array, data: Data, lr: Any) -> Array:
        x, y = data
        r = x @ params - y
        gradient = (2.0 / self.samples) * (r @ x) + (2.0 * self.penalty) * params
        return params - lr * gradient

    # -- optional capabilities ------------------------------------------------------------
    def arithmetic(self) -> Arithmetic:
        """Per sample: X w (F FMAs) minus y, then X^T r (F FMAs)."""
        return Arithmetic(fma=2 * self.features, add=1, points=self.samples)

    def affine_step(self) -> AffineStep:
        """The step as mathematics: the gradient (2 / N) X^T (X w - y) + 2 penalty w, so an
        exact reference and the agreement check need nothing of this package's kernel."""
        x, y = self.host_data()
        return AffineStep(x, y, scale=2.0 / self.samples, ridge=2.0 * self.penalty)

    def tutorial_loop(self) -> Loop:
        """How one would write it in NumPy first: the normal equations' gradient,
        2 (G w - b) with G = X^T X / N + penalty I and b = X^T y / N, formed once a call."""
        penalty = self.penalty

        def loop(params: Array, data: Data, lr: float, k: int) -> Array:
            x, y = data
            n, f = x.shape
            gram = x.T @ x / n + penalty * np.eye(f)
            moment = x.T @ y / n
            w = np.array(params, dtype=x.dtype)
            for _ in range(k):
                w = w - lr * 2.0 * (gram @ w - moment)
            return w

        return loop
