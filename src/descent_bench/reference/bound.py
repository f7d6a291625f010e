"""How far from the reference a row may land and still agree: its tolerance, derived.

A row is checked against the exact answer of the problem as the row sees it: the data and the
start rounded to the row's dtype, then the mathematics carried out exactly (``answer``). What
is left between the two is the row's arithmetic: every rounding of every step. The
tolerance bounds that, in the probabilistic model of Higham and Mary (SIAM J. Sci. Comput.
41(5), 2019): each rounding error is an independent, mean-zero quantity no larger than u
times the value rounded (u the unit roundoff), so that the K steps' errors, each carried to
the end by the step's own contraction, add as a martingale and stay, with probability at
least 1 - ``FAILURE``, within lambda times the root of the sum of their squared sizes
(Azuma-Hoeffding), lambda = sqrt(2 ln(2 n / FAILURE)) over the n directions bounded. The
derivation, with the terms below: docs/validation.md.

- ``affine_tolerance``: a least-squares step c <- c - lr (s (G c - b) + q c). Each step's
  errors are those of the residuals (u times the size of the terms of each), of the products
  with the data and of the sums over N points (u times the partial sums: sqrt(N) in the
  bound where the backend vouches for its sums, ``Backend.accumulation_dtype``, in the type
  it names; otherwise their worst case, all of one sign: N), of the moments' rounding to
  the dtype where they were accumulated wider, and of the update; sizes read from the exact
  trajectory (|c_k|, the loss, the gradient). Each is carried to step K by the iteration
  matrix's eigenvalues (errors in a direction the descent contracts fast fade; in a slow one
  they add up). The rounding of lr times the loss's scale is one systematic error, bounded
  by its derivative.
- ``decay_tolerance``: p <- p - lr r p, every coordinate on its own, in closed form.
- ``first_order_bound``: the first-order worst case of every rounding (no probability, no
  size of the data), for rows whose reference is not exact: it bounds the row's error and the
  reference's alike, loosely.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from descent_bench.reference.exact import Trajectory

# The chance, per row, that honest rounding alone lands outside its tight tolerance.
FAILURE = 1e-6
# Roundings in one residual r_i = p(x_i) - y_i at most (Horner's rule: 2d; a matrix-vector
# product: d + 1 products and d sums; the tutorial's powers: one more each): 3 per parameter.
RESIDUAL_ROUNDINGS_PER_PARAMETER = 3
# lr times the loss's scale (and the ridge term) rounded to the dtype, in one or two steps.
RATE_ROUNDINGS = 3
# Parameters up to which the update's errors are bounded component by component (K n^3
# work); beyond, by their 2-norm.
MAX_COMPONENTS = 32


@dataclass(frozen=True)
class Tolerance:
    """The largest max_rel_diff from the reference that agrees, and the model that gave it."""

    value: float
    model: str


def unit_roundoff(dtype: str) -> float:
    return float(np.finfo(dtype).eps) / 2


def half_ulp(values: np.ndarray, dtype: str) -> np.ndarray:
    """Half a unit in the last place, in ``dtype``, of numbers a hair larger than |values|
    (the most rounding one of them to ``dtype`` can err by, should the computed value lie
    just above the exact one)."""
    above = (np.abs(values) * (1 + 2.0**-10)).astype(dtype)
    return np.spacing(above).astype(np.float64) / 2


def lambda_for(directions: int, failure: float = FAILURE) -> float:
    """Azuma-Hoeffding's lambda for ``directions`` bounds holding at once with probability
    at least 1 - ``failure``: 2 n exp(-lambda^2 / 2) <= failure."""
    return math.sqrt(2 * math.log(2 * max(1, directions) / failure))


def first_order_bound(dtype: str, iterations: int, coupled_params: int) -> float:
    """The first-order worst case for K descent steps in ``dtype`` with ``coupled_params``
    parameters whose errors mix in a step: each step rounds the update (about 2u relative to
    |c|) and evaluates g on data rounded to ``dtype`` (about 2 (n + 1) u |c| for a stable
    lr); the iteration map is non-expansive, so step errors add: after K steps
    |c_dtype - c_exact|_2 <= (K (n + 4) + 1) u |c|_2, the 1 for rounding the start;
    max_rel_diff, inf-norm over inf-norm, is at most sqrt(n) times that."""
    steps = iterations * (coupled_params + 4) + 1
    return steps * unit_roundoff(dtype) * math.sqrt(coupled_params)


# The name ``bench`` and older callers know the first-order bound by.
bound = first_order_bound


def first_order_tolerance(dtype: str, iterations: int, coupled_params: int) -> Tolerance:
    return Tolerance(
        first_order_bound(dtype, iterations, coupled_params),
        "first-order worst case (the reference is not exact)",
    )


@dataclass(frozen=True)
class AffineRun:
    """What the tight bound reads of an exact affine descent: its trajectory; G (float64);
    lr times the loss's scale (``rate``) and times the ridge term (``shrink``); of the data
    as the row sees it, per moment j, sum_i V_ij^2 |V_il| |V_im| (``forms``: n x (n + 1) x
    (n + 1), the last column |y|) and max_i V_ij^2 (``max_squares``); the points; and whether
    the moments are the kernel's residual moments over (x, y) (a backend's declared
    accumulation applies to those alone)."""

    trajectory: Trajectory
    gram: np.ndarray
    rate: float
    shrink: float
    forms: np.ndarray
    max_squares: np.ndarray
    points: int
    residual_moments: bool


def affine_tolerance(run: AffineRun, dtype: str, accumulation: str | None) -> Tolerance:
    """The probabilistic bound of a least-squares descent's rounding (the module), relative
    to the answer's largest coefficient. ``accumulation``: the type the backend's sums run
    in, where it vouches for them (``Backend.accumulation_dtype``); None: their worst case,
    N u times the sum of the terms' sizes, in every step."""
    u = unit_roundoff(dtype)
    if accumulation is not None and not run.residual_moments:
        accumulation = dtype  # a wider type applies to the fused residual moments alone
    u_sums = min(u, unit_roundoff(accumulation)) if accumulation else u
    path = run.trajectory
    c, m, loss = path.params, path.moments, path.losses
    k_steps, n = m.shape
    if k_steps == 0:
        return Tolerance(0.0, "exact: no step taken")
    alpha, shrink = run.rate, run.shrink
    # Each step's squared error sizes, per component j, before they are carried on.
    w = np.column_stack([np.abs(c[:-1]), np.ones(k_steps)])  # (K, n + 1)
    residual = np.einsum("ka,jab,kb->kj", w, run.forms, w)
    products = (np.arange(n) + 1) * run.max_squares
    # A sum of N terms: its partial sums' sizes, at most |the terms| each: N of them,
    # independent errors (sqrt(N) in the bound) where declared, else all of one sign.
    partial_sums = run.points if accumulation else run.points**2
    moments = u_sums**2 * (
        RESIDUAL_ROUNDINGS_PER_PARAMETER * n * residual
        + np.outer(loss, products)
        + partial_sums * np.outer(loss, np.diag(run.gram))
    )
    if u_sums < u:  # the moments rounded to the dtype once accumulated wider
        moments = moments + u**2 * m**2
    # Carried to step K by the iteration matrix A = (1 - shrink) I - alpha G: a step k error
    # is multiplied by A^(K - 1 - k), rho_i^(K - 1 - k) along its eigenvector i.
    mu, vectors = np.linalg.eigh(run.gram)
    rho = 1.0 - alpha * mu - shrink
    ages = np.arange(k_steps - 1, -1, -1)
    lam = lambda_for(2 * n)  # n components of the update's errors, n directions of the rest
    # The update's roundings, component by component: c_k+1 = c_k - (alpha m_k + shrink
    # c_k) rounded, each rounding at most half a unit in the last place of what it rounds.
    update = half_ulp(c[1:], dtype) ** 2 + 4 * u**2 * (
        alpha**2 * m**2 + shrink**2 * c[:-1] ** 2
    )  # (K, n)
    if n <= MAX_COMPONENTS:
        carried = np.einsum("ji,ki,li->kjl", vectors, rho[None, :] ** ages[:, None], vectors)
        per_component = np.einsum("kjl,kl->j", carried**2, update)
        updates = lam * float(np.sqrt(np.max(per_component)))
    else:  # the 2-norm, direction by direction
        updates = lam * math.sqrt(
            float(np.sum((rho**2)[None, :] ** ages[:, None] * (update @ vectors**2)))
        )
    # The moments' errors, mixed between components: their 2-norm, direction by direction.
    along = (alpha**2 * moments) @ (vectors**2)  # (K, n): sum_j q_ij^2 size_kj
    rest = lam * math.sqrt(float(np.sum((rho**2)[None, :] ** ages[:, None] * along)))
    random = updates + rest
    # Stalled directions: where the exact descent moves a direction by less than the
    # update's rounding granularity at the end, the rounded iterate can stop short instead
    # of wandering: the step rounds away, the same error every step, which adds linearly
    # (the random part above does not cover it) and is carried like any other: at most
    # D (1 - |rho_i|^K) / (1 - |rho_i|), D the update's half ulp (below K D, and below
    # D / (1 - rho_i) however long the run).
    granularity = float(np.linalg.norm(np.max(half_ulp(c, dtype), axis=0)))
    c_inf = _fixed_point(run.gram, path, alpha, shrink)
    gap = vectors.T @ (c[0] - c_inf)
    movement = (1.0 - rho) * np.abs(rho) ** (k_steps - 1) * np.abs(gap)
    stalled = movement <= 2 * granularity
    moving = np.abs(rho) != 1
    linear = np.where(
        moving, (1 - np.abs(rho) ** k_steps) / np.where(moving, 1 - np.abs(rho), 1.0), k_steps
    )
    fixed = np.where(stalled, granularity * linear, 0.0)
    random += float(np.linalg.norm(fixed))
    # The rate's rounding: one error, through d c_K / d lr, direction by direction.
    sensitivity = k_steps * (1.0 - rho) * np.abs(rho) ** (k_steps - 1) * gap
    systematic = RATE_ROUNDINGS * u * float(np.linalg.norm(np.nan_to_num(sensitivity)))
    scale = float(np.max(np.abs(c[-1])))
    if accumulation is None:
        sums = f"sums in {dtype}, worst case (none declared)"
    else:
        sums = f"sums in {'float64' if u_sums < u else dtype}"
    model = f"probabilistic, Higham-Mary (lambda {lam:.1f}, p {FAILURE:g}), {sums}"
    return Tolerance((random + systematic) / scale if scale > 0 else math.inf, model)


def _fixed_point(gram: np.ndarray, path: Trajectory, alpha: float, shrink: float) -> np.ndarray:
    """The descent's fixed point, where alpha (G c - b) + shrink c = 0, from the first step:
    b = G c_0 - m_0; directions in which the step does not move are left at the start."""
    c0, m0 = path.params[0], path.moments[0]
    b = gram @ c0 - m0
    mu, vectors = np.linalg.eigh(alpha * gram + shrink * np.eye(len(c0)))
    projected = vectors.T @ (alpha * b)
    inverse = np.divide(projected, mu, out=vectors.T @ c0, where=np.abs(mu) > 0)
    return vectors @ inverse


def decay_tolerance(
    coordinates: int, rate: float, iterations: int, dtype: str, largest: float
) -> Tolerance:
    """p <- p - rate p on every coordinate alone: per step the product and the difference
    each rounded, at most half a unit in the last place (u |p| for normal numbers, half the
    smallest subnormal's spacing below them), carried by (1 - rate) to the end:
    |p_K error| <= lambda sqrt(u^2 |p_K|^2 K (1 + rate^2 / (1 - rate)^2) + 2 h^2 S), S =
    sum_m (1 - rate)^(2 m), h the subnormal floor, lambda over every coordinate; and the
    rate's own rounding, K rate theta / |1 - rate| relative. Relative to ``largest``, the
    answer's largest coordinate: a row whose answer underflows its dtype is held to what
    the dtype can hold."""
    u = unit_roundoff(dtype)
    rho = abs(1.0 - rate)
    if iterations == 0 or rho == 0:
        return Tolerance(0.0, "exact: no step taken")
    lam = lambda_for(coordinates)
    floor = float(np.finfo(dtype).smallest_subnormal) / 2
    carried = iterations if rho >= 1 else (1 - rho ** (2 * iterations)) / (1 - rho**2)
    relative = u**2 * iterations * (1.0 + (rate / rho) ** 2)
    absolute = 2 * floor**2 * carried
    with np.errstate(over="ignore"):
        floor_share = math.sqrt(absolute) / largest if largest > 0 else math.inf
    random = lam * math.hypot(math.sqrt(relative), floor_share)
    systematic = RATE_ROUNDINGS * u * iterations * rate / rho
    model = f"probabilistic, closed form per coordinate (lambda {lam:.1f}, p {FAILURE:g})"
    return Tolerance(random + systematic, model)


@dataclass(frozen=True)
class Agreement:
    """The distance of K iterations from the reference, and the bound it must keep."""

    max_rel_diff: float
    bound: float  # the largest max_rel_diff that agrees, for this dtype, K and problem
    reference: str  # which reference: "exact", "independent" or "kernel"

    @property
    def agrees(self) -> bool:
        return self.max_rel_diff <= self.bound

    def check(self) -> float:
        """``max_rel_diff``, or ``Disagreement`` naming it and the bound."""
        if not self.agrees:
            raise Disagreement(
                f"max_rel_diff {self.max_rel_diff:.3g} from the {self.reference} reference "
                f"exceeds the bound {self.bound:.3g}"
            )
        return self.max_rel_diff


class Disagreement(AssertionError):
    """A backend's answer is farther from the reference than its bound allows."""


def max_rel_diff(got: np.ndarray, want: np.ndarray) -> float:
    """Largest absolute difference over the largest reference magnitude (norm-wise, so a
    coefficient near zero does not blow up)."""
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    diff = float(np.max(np.abs(np.asarray(got, dtype=np.float64) - want))) if want.size else 0.0
    if not math.isfinite(diff):
        return math.inf
    return diff / scale if scale > 0 else diff
