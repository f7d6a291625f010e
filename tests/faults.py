"""Fault injection, for the tests and the sweep behind docs/validation.md (nothing here ships):
a row made wrong the way real bugs make it wrong, run on a backend's own loop and held
against the reference and tolerance ``compare`` uses.

The faults: lr off by a little (1e-3 relative in float32, 1e-7 in float64); one iteration
too few; one gradient term scaled by 1 + 1e-3; the last data point dropped; the update
using the previous iteration's gradient; float32 arithmetic where float64 is claimed. Each
verdict is ``caught``, ``MISSED`` or ``n/a`` with the reason a fault cannot apply: the
problem has no data to drop, the fault concerns float64 only, the row runs the problem's
described loop rather than its step (numba's compiled loop, the C loop), or the run has
converged past the fault's effect (the fault moves float64 NumPy's answer by less than ten
units of roundoff of the row's dtype: nothing could tell it from rounding).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from descent_bench import backends
from descent_bench.kernels import Problem, capabilities, place
from descent_bench.reference.answer import SEED, reference
from descent_bench.reference.bound import max_rel_diff, unit_roundoff

FAULTS = (
    "lr off",
    "one iteration too few",
    "a gradient term scaled",
    "last point dropped",
    "previous gradient",
    "float32 arithmetic",
)
LR_OFF = {"float32": 1e-3, "float64": 1e-7}
TERM_SCALE = 1 + 1e-3
# A fault whose effect on the answer is within this many units of roundoff of the row's
# dtype cannot be told from rounding by any check: the run converged past it.
RESOLUTION = 10


@dataclass(frozen=True)
class Verdict:
    fault: str
    outcome: str  # "caught", "MISSED" or "n/a"
    distance: float  # of the faulty row from the reference (nan where not run)
    tolerance: float
    reason: str = ""  # why n/a

    @property
    def cell(self) -> str:
        if self.outcome == "n/a":
            return f"n/a ({self.reason})"
        return f"{self.outcome} ({self.distance / self.tolerance:.3g}x)"


def scaled_term(problem: Problem) -> Problem:
    """``problem`` whose step scales its update's first component (the gradient's first
    term, or every walker's first coordinate) by ``TERM_SCALE``: pure array-API code."""
    base = type(problem)

    def step(self, ops, params, data, lr):
        update = base.step(self, ops, params, data, lr) - params
        first = update[..., :1] * TERM_SCALE
        return params + ops.xp.concat([first, update[..., 1:]], axis=-1)

    return _subclass(problem, "ScaledTerm", {"step": step})


def stale_gradient(problem: Problem) -> Problem:
    """``problem`` whose update uses the previous iteration's gradient: its state is the
    parameters and the previous ones, stacked (the first step uses the start's)."""
    base = type(problem)

    def initial_params(self, seed=0, start=None):
        params = base.initial_params(self, seed, start)
        return np.stack([params, params])

    def step(self, ops, params, data, lr):
        now, before = params[0, ...], params[1, ...]
        moved = now + (base.step(self, ops, before, data, lr) - before)
        return ops.xp.stack([moved, now])

    def trim(self, params):
        return params[0]

    namespace = {"initial_params": initial_params, "step": step, "trim": trim}
    namespace["params_point_axis"] = None
    return _subclass(problem, "StaleGradient", namespace)


def dropped_point(problem: Problem) -> Problem | None:
    """``problem`` whose data loses its last point (None: it has no data)."""
    if not problem.host_data():
        return None
    base = type(problem)

    def host_data(self):
        return tuple(a[..., :-1] for a in base.host_data(self))

    namespace = {"host_data": host_data}
    found = capabilities.affine_step(problem)
    if found is not None:  # the described step reads the same short data
        step = dataclasses.replace(found, design=found.design[:-1], target=found.target[:-1])
        namespace["affine_step"] = lambda self: step
    return _subclass(problem, "DroppedPoint", namespace)


def _subclass(problem: Problem, prefix: str, namespace: dict[str, object]) -> Problem:
    """``problem`` as an instance of a subclass of its own class with ``namespace``."""
    cls = type(f"{prefix}{type(problem).__name__}", (type(problem),), namespace)
    return cls(**{f.name: getattr(problem, f.name) for f in dataclasses.fields(problem)})


def final_params(
    backend_name: str,
    problem: Problem,
    dtype: str,
    lr: float,
    iterations: int,
    form: str | None = None,
) -> tuple[np.ndarray, str | None]:
    """The backend's own loop run for K ``iterations`` from the seeded start: the result
    (float64) and the phrasing it read."""
    backend = backends.load(backend_name)
    start = problem.initial_params(seed=SEED)
    phrased, data, params = place(problem, backend, dtype, start, form)
    loop = backend.compile_loop(phrased.step)
    result = backend.to_numpy(loop(params, data, lr, iterations))
    return np.asarray(capabilities.trim(phrased, result), dtype=np.float64), (
        capabilities.phrasing(phrased)
    )


def power(
    backend_name: str, problem: Problem, dtype: str, iterations: int
) -> tuple[float, float, list[Verdict]]:
    """The honest row's distance and tolerance, and each fault's verdict."""
    lr = problem.stable_lr()
    honest, form = final_params(backend_name, problem, dtype, lr, iterations)
    answer = reference(problem, iterations, lr, dtype, form)
    accumulation = backends.load(backend_name).accumulation_dtype(dtype, form, problem.size)
    tolerance = answer.tolerance(dtype, iterations, accumulation).value
    distance = max_rel_diff(honest, answer.params)
    verdicts = []
    for fault in FAULTS:
        found = _verdict(fault, backend_name, problem, dtype, lr, iterations, form, honest, answer)
        # A row that runs the problem's described loop ignores a bug in its step: the
        # scaled term shows it (the previous gradient's state changes the loop's shape).
        described = [v for v in verdicts if v.reason == "runs the described loop"]
        if fault == "previous gradient" and described:
            found = Verdict(fault, "n/a", float("nan"), float("nan"), described[0].reason)
        verdicts.append(found)
    return distance, tolerance, [_judged(v, tolerance) for v in verdicts]


def _faulty(
    fault: str,
    backend: str,
    problem: Problem,
    dtype: str,
    lr: float,
    k: int,
    form: str | None,
    claimed: str | None = None,
) -> tuple[np.ndarray, str] | str:
    """The faulty row's result and the dtype it claims, or why the fault cannot apply;
    ``claimed``: the dtype whose fault to make where not ``dtype`` (the fault's effect is
    measured in float64)."""
    claimed = claimed or dtype
    if fault == "lr off":
        off = 1 + LR_OFF[claimed]
        return final_params(backend, problem, dtype, lr * off, k, form)[0], dtype
    if fault == "one iteration too few":
        return final_params(backend, problem, dtype, lr, k - 1, form)[0], dtype
    if fault == "float32 arithmetic":
        if claimed != "float64":
            return "float64 rows only"
        return final_params(backend, problem, "float32", lr, k, form)[0], dtype
    if fault == "last point dropped":
        short = dropped_point(problem)
        if short is None:
            return "no data to drop"
        return final_params(backend, short, dtype, lr, k, form)[0], dtype
    made = scaled_term(problem) if fault == "a gradient term scaled" else stale_gradient(problem)
    return final_params(backend, made, dtype, lr, k, form)[0], dtype


def _verdict(
    fault: str,
    backend: str,
    problem: Problem,
    dtype: str,
    lr: float,
    k: int,
    form: str | None,
    honest: np.ndarray,
    answer,
) -> Verdict:
    got = _faulty(fault, backend, problem, dtype, lr, k, form)
    if isinstance(got, str):
        return Verdict(fault, "n/a", float("nan"), float("nan"), got)
    result, _ = got
    if np.array_equal(result, honest):
        return Verdict(fault, "n/a", 0.0, float("nan"), "runs the described loop")
    effect = _effect(fault, problem, dtype, lr, k, form)
    if effect <= RESOLUTION * unit_roundoff(dtype):
        return Verdict(fault, "n/a", float("nan"), float("nan"), "converged past it")
    return Verdict(fault, "judge", max_rel_diff(result, answer.params), float("nan"))


def _effect(fault: str, problem: Problem, dtype: str, lr: float, k: int, form: str | None) -> float:
    """How far the fault (as made for ``dtype``) moves float64 NumPy's row, relative."""
    if fault == "float32 arithmetic":
        return float("inf")
    honest, _ = final_params("numpy", problem, "float64", lr, k, form)
    got = _faulty(fault, "numpy", problem, "float64", lr, k, form, claimed=dtype)
    if isinstance(got, str):
        return float("inf")
    return max_rel_diff(got[0], honest)


def _judged(verdict: Verdict, tolerance: float) -> Verdict:
    if verdict.outcome != "judge":
        return verdict
    outcome = "caught" if verdict.distance > tolerance else "MISSED"
    return Verdict(verdict.fault, outcome, verdict.distance, tolerance)
