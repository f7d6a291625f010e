"""Honest configurations for the false-alarm sweep (docs/validation.md): problems at sizes,
degrees, losses, learning rates (a fraction of the largest stable one) and starts (seeds),
each run on a backend's own loop in a phrasing and held against its reference and tolerance.
Test-only, like ``faults``."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass

import numpy as np

from descent_bench import backends, kernels
from descent_bench.backends import Backend
from descent_bench.kernels import Problem, capabilities, place
from descent_bench.reference.answer import SEED, least_squares, reference
from descent_bench.reference.bound import max_rel_diff
from descent_bench.timing.workloads import call_iterations

CPU_BACKENDS = ("numpy", "jax", "jax-standard", "numba", "torch", "strict")


@dataclass(frozen=True)
class Config:
    problem: Problem
    lr: float
    seed: int
    backend: str
    dtype: str
    form: str | None  # None: the backend's own choice

    @property
    def label(self) -> str:
        p = self.problem
        what = ", ".join(
            f"{f.name}={getattr(p, f.name)}"
            for f in dataclasses.fields(p)
            if f.name not in ("domain", "form")
        )
        return (
            f"{p.name}({what}) lr={self.lr:.3g} seed={self.seed} {self.backend} {self.dtype} "
            f"{self.form or 'own phrasing'}"
        )


def backend_object_reason(name: str) -> str | None:
    """Why the row ``name`` cannot run here, or None."""
    return backends.get(name.removesuffix("-standard")).unavailable_reason()


def backend_object(name: str) -> Backend:
    """A CPU backend by its row name (``jax-standard``: jax with the standard's primitives)."""
    if name == "jax-standard":
        standard = backends.load("jax").standard_only()
        assert standard is not None
        return standard.load()
    return backends.load(name)


def seeded(problem: Problem, seed: int) -> Problem:
    """``problem`` starting from ``seed``'s draw instead of the suite's."""
    base = type(problem)

    shift = seed

    def initial_params(self, seed=SEED, start=None):
        return base.initial_params(self, seed + shift, start)

    cls = type(f"Seeded{base.__name__}", (base,), {"initial_params": initial_params})
    return cls(**{f.name: getattr(problem, f.name) for f in dataclasses.fields(problem)})


def largest_stable_lr(problem: Problem) -> float:
    """2 / the largest eigenvalue of the step's Hessian (the paraboloid's: 2)."""
    if capabilities.coordinate_decay(problem) is not None:
        return 2.0 / (2.0 * capabilities.coordinate_decay(problem).rate)  # type: ignore[union-attr]
    found = least_squares(problem, "float64")
    assert found is not None
    normal, _, _, scale, ridge, _ = found
    gram, _ = normal.as_floats()
    return 2.0 / (scale * float(np.linalg.eigvalsh(gram).max()) + ridge)


def run(config: Config) -> tuple[float, float, str]:
    """The row's distance from its reference, its tolerance and the tolerance's model."""
    backend = backend_object(config.backend)
    problem = seeded(config.problem, config.seed)
    k = call_iterations(config.problem)
    start = problem.initial_params(seed=SEED)
    phrased, data, params = place(problem, backend, config.dtype, start, config.form)
    result = backend.to_numpy(backend.compile_loop(phrased.step)(params, data, config.lr, k))
    got = np.asarray(capabilities.trim(phrased, result), dtype=np.float64)
    form = capabilities.phrasing(phrased)
    answer = reference(problem, k, config.lr, config.dtype, form)
    accumulation = backend.accumulation_dtype(config.dtype, form, problem.size)
    tolerance = answer.tolerance(config.dtype, k, accumulation)
    return max_rel_diff(got, answer.params), tolerance.value, tolerance.model


def problems(rng: random.Random, count: int) -> list[tuple[Problem, float]]:
    """``count`` problems with their lr: sine fits of 10 to 10^6 points, degree 1, 3 or 5,
    sse or mse, lr from 10% to 90% of the largest stable one; paraboloids of 1 to 10^6
    walkers in 1 to 3 dimensions."""
    made = []
    for i in range(count):
        fraction = rng.choice((0.1, 0.3, 0.5, 0.7, 0.9))
        if i % 4 == 3:
            problem: Problem = kernels.Paraboloid(
                rng.choice((1, 2, 3)), rng.choice((1, 10, 1000, 10**5, 10**6))
            )
        else:
            degree = rng.choice((1, 3, 5))
            points = rng.choice((10, 100, 2000, 10**4, 10**5, 10**6))
            loss = rng.choice(("sse", "mse"))
            problem = kernels.SineFit(points, degree, loss_name=loss)
        made.append((problem, fraction * largest_stable_lr(problem)))
    return made


def configs(count: int, seed: int = 2026) -> list[Config]:
    """``count`` problems, each on every CPU backend in both dtypes, in the backend's own
    phrasing and (for the sine fit) in the other one: a deterministic sample."""
    rng = random.Random(seed)
    made = []
    for problem, lr in problems(rng, count):
        start_seed = rng.randrange(1000)
        phrasings: tuple[str | None, ...] = (None,)
        if capabilities.phrasing(problem) is not None:
            phrasings = (None, rng.choice(kernels.FORMS))
        for name in CPU_BACKENDS:
            for dtype in ("float64", "float32"):
                for form in phrasings:
                    made.append(Config(problem, lr, start_seed, name, dtype, form))
    return made
