"""Whether a problem's step does what the problem says it does.

The exact reference, the C loop and numba's compiled loop follow a problem's description of
its step (``PolynomialDescent``, ``AffineStep``, ``CoordinateDecay``); the other rows run the
step itself. Before anything is timed, one step of the kernel on NumPy in float64, in every
phrasing, is held against the description, computed here without the kernel (a Vandermonde
matrix, a design matrix, a product): where the two updates differ by more than rounding can
explain, the problem is refused, so that no row is checked against mathematics its step
does not do.
"""

from __future__ import annotations

import numpy as np

from descent_bench import backends
from descent_bench.kernels import FORMS, Problem, capabilities
from descent_bench.reference.answer import SEED

# Two float64 computations of one step's update, in different orders, agree far closer than
# this (relative to the update's size); a wrong constant, loss or sign is off by O(1).
MISMATCH = 1e-6


def described_update(problem: Problem, start: np.ndarray, lr: float) -> np.ndarray | None:
    """The update of one step as the problem describes it, in float64, from its elementwise
    data; None where it describes nothing."""
    decay = capabilities.coordinate_decay(problem)
    if decay is not None:
        return -lr * decay.rate * start
    affine = capabilities.affine_step(problem)
    if affine is not None:
        design = np.asarray(affine.design, dtype=np.float64)
        residual = design @ start - np.asarray(affine.target, dtype=np.float64)
        return -lr * (affine.scale * (design.T @ residual) + affine.ridge * start)
    descent = capabilities.polynomial_descent(problem)
    data = problem.host_data()
    if descent is None or len(data) != 2 or np.ndim(data[0]) != 1:
        return None
    x, y = (np.asarray(a, dtype=np.float64) for a in data)
    vandermonde = x[:, None] ** np.arange(start.size)
    residual = vandermonde @ start - y
    g = np.sign(residual) if descent.sign else residual
    return -lr * descent.constant * (vandermonde.T @ g)


def step_mismatch(problem: Problem) -> str | None:
    """One line naming the phrasing in which the problem's step disagrees with its
    description and by how much, or None where they agree (or it describes nothing)."""
    elementwise = capabilities.phrased(problem, "elementwise")
    start = np.asarray(problem.initial_params(seed=SEED), dtype=np.float64)
    lr = problem.stable_lr()
    want = described_update(elementwise, start, lr)
    if want is None:
        return None
    # Every described step is linear in lr: a step as long as the parameters themselves,
    # so that subtracting them from the next ones loses nothing to cancellation.
    size = float(np.linalg.norm(want))
    if size > 0 and np.isfinite(size):
        lr *= float(np.linalg.norm(start)) / size or 1.0
        want = described_update(elementwise, start, lr)
        assert want is not None
    numpy = backends.host()
    forms = FORMS if capabilities.phrasing(problem) is not None else (None,)
    for form in forms:
        phrased = capabilities.phrased(problem, form) if form else problem
        data = tuple(numpy.asarray(a, "float64") for a in phrased.host_data())
        params = numpy.asarray(start, "float64")
        got = np.asarray(numpy.compile_loop(phrased.step)(params, data, lr, 1)) - start
        size = float(np.linalg.norm(want))
        difference = float(np.linalg.norm(got - want)) / size if size > 0 else 0.0
        if not difference <= MISMATCH:
            where = f" in the {form} phrasing" if form else ""
            return (
                f"{problem.name}: its step{where} moves the parameters {difference:.1e} (relative) "
                f"away from the mathematics it describes; fix the step or its description"
            )
    return None
