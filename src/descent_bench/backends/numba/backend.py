"""NumPy arrays with the kernel's one extra primitive fused by numba: one pass per iteration.

The plain ``numpy`` row makes d + 2 passes over memory per iteration (the residual, then one
sum per moment, or two BLAS products). Here ``Ops.residual_moments`` is one compiled loop
that reads x and y once and keeps d + 1 float64 accumulators, so float32 inputs are summed
in float64. The loop is generated per degree, so the accumulators are scalars the compiler
vectorises. Where the problem's step is a polynomial descent over (x, y)
(``capabilities.polynomial_descent``), the whole K-step loop is compiled too
(``descent_source``), and so is a decay of every coordinate (the paraboloid:
``compiled_decay``): the update of the d + 1 coefficients no longer goes through Python and
NumPy at every iteration, which cost about 3 µs per iteration (13.6 instructions per point
and iteration counted at 2000 points, against 3.8 for the C reference;
docs/instruction-counts.md). numba's fast-math flags allow reordering the sums (what
vectorising needs) but not assuming finite values (no ``nnan``/``ninf``), so a diverging run
still shows as non-finite. One thread (no ``parallel``): on a busy two-core machine a second
thread was slower (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from descent_bench.backends.base import BackendUnavailable
from descent_bench.backends.calls import pieces
from descent_bench.backends.numpy import NumpyBackend
from descent_bench.kernels import (
    Array,
    CoordinateDecay,
    Data,
    Loop,
    Ops,
    PolynomialDescent,
    Step,
    capabilities,
)

# Reassociate, no signed zeros, reciprocal, contract (FMA), approximate functions; never
# finite-math-only (nnan, ninf), which would hide a divergence.
FAST_MATH = frozenset({"reassoc", "nsz", "arcp", "contract", "afn"})


def moments_source(degree: int, sign: bool) -> str:
    """Python source of one loop computing sum_i g_i x_i^j, j = 0..degree, in one pass."""
    acc = [f"s{j}" for j in range(degree + 1)]
    lines = ["def residual_moments(c, x, y):"]
    lines += [f"    {a} = 0.0" for a in acc]
    lines += ["    for i in range(x.shape[0]):", "        xi = np.float64(x[i])"]
    lines.append(f"        p = np.float64(c[{degree}])")
    lines += [f"        p = p * xi + np.float64(c[{j}])" for j in range(degree - 1, -1, -1)]
    lines.append("        r = p - np.float64(y[i])")
    if sign:
        lines.append("        g = 1.0 if r > 0.0 else (-1.0 if r < 0.0 else r)")
    else:
        lines.append("        g = r")
    for j, a in enumerate(acc):
        lines.append(f"        {a} += g")
        if j < degree:
            lines.append("        g = g * xi")
    lines.append(f"    out = np.empty({degree + 1}, dtype=x.dtype)")
    lines += [f"    out[{j}] = {a}" for j, a in enumerate(acc)]
    lines.append("    return out")
    return "\n".join(lines)


def descent_source(degree: int, sign: bool) -> str:
    """Python source of K descent steps c <- c - scale * sum_i g_i x_i^j, each step one pass
    of ``moments_source``'s loop; the moments and the update in the coefficients' dtype, as
    ``params - (lr * constant) * moments`` computes them in NumPy."""
    pass_lines = moments_source(degree, sign).splitlines()
    body = pass_lines[1 : pass_lines.index(f"    out = np.empty({degree + 1}, dtype=x.dtype)")]
    lines = ["def descent(c, x, y, scale, k):", "    m = np.empty_like(c)"]
    lines.append("    for _ in range(k):")
    lines += ["    " + line for line in body]
    for j in range(degree + 1):
        lines.append(f"        m[{j}] = s{j}")  # rounded to the coefficients' dtype
        lines.append(f"        c[{j}] = c[{j}] - scale * m[{j}]")
    lines.append("    return c")
    return "\n".join(lines)


@cache
def compiled_descent(degree: int, sign: bool) -> Callable[..., Array]:
    """The K-step loop for ``degree`` and ``sign``, compiled by numba on first call per dtype."""
    import numba

    namespace: dict[str, Any] = {"np": np}
    exec(descent_source(degree, sign), namespace)
    return numba.njit(fastmath=set(FAST_MATH), cache=False)(namespace["descent"])


def descent_loop(descent: PolynomialDescent) -> Loop:
    """K steps of ``descent`` as one compiled call (pieces of it, so Ctrl-C is seen between
    them)."""

    def run(params: Array, data: Data, lr: float, k: int) -> Array:
        x, y = data
        c = np.array(params, copy=True)
        scale = c.dtype.type(lr * descent.constant)
        function = compiled_descent(c.shape[0] - 1, descent.sign)
        for piece in pieces(k, x.size + y.size):
            c = function(c, x, y, scale, piece)
        return c

    return run


@cache
def compiled_decay() -> Callable[..., Array]:
    """K steps p <- p - scale p over every coordinate (a ``CoordinateDecay``), one compiled
    loop; compiled by numba on first call per dtype and shape's rank."""
    import numba

    def decay(p: Array, scale: Any, k: int) -> Array:
        flat = p.reshape(-1)
        for _ in range(k):
            for i in range(flat.shape[0]):
                flat[i] = flat[i] - scale * flat[i]
        return p

    return numba.njit(fastmath=set(FAST_MATH), cache=False)(decay)


def decay_loop(decay: CoordinateDecay) -> Loop:
    """K steps of ``decay`` as one compiled call on a contiguous copy of the parameters (in
    pieces, so Ctrl-C is seen between them)."""

    def run(params: Array, data: Data, lr: float, k: int) -> Array:
        p = np.array(params, copy=True, order="C")
        scale = p.dtype.type(lr * decay.rate)
        for piece in pieces(k, p.size):
            p = compiled_decay()(p, scale, piece)
        return p

    return run


@cache
def compiled_moments(degree: int, sign: bool) -> Callable[[Array, Array, Array], Array]:
    """The fused loop for ``degree`` and ``sign``, compiled by numba on first call per dtype."""
    import numba

    namespace: dict[str, Any] = {"np": np}
    exec(moments_source(degree, sign), namespace)
    return numba.njit(fastmath=set(FAST_MATH), cache=False)(namespace["residual_moments"])


class FusedOps(Ops):
    """``Ops`` with the residual moments as one numba loop over host NumPy arrays."""

    def residual_moments(self, coeffs: Array, x: Array, y: Array, sign: bool) -> Array:
        return compiled_moments(coeffs.shape[0] - 1, sign)(coeffs, x, y)


class NumbaBackend(NumpyBackend):
    name = "numba"
    distribution = "numba"
    loop_compiles = True  # numba compiles the fused loop at its first call
    faster_ops = FusedOps
    standard_only_row = False  # computing with the standard alone is the numpy row
    counted_prefixes = ("NUMBA_",)

    def _load(self) -> None:
        super()._load()
        try:
            import numba  # noqa: F401
        except ImportError as exc:
            raise BackendUnavailable(
                "numba is not installed (pip install 'descent-bench[numba]')"
            ) from exc

    def accumulation_dtype(self, dtype: str, form: str | None, points: int) -> str:
        """The fused loops keep float64 accumulators, for float32 inputs too; another
        phrasing is NumPy's."""
        return "float64" if form == "elementwise" else dtype

    def compile_loop(self, step: Step) -> Loop:
        """The whole K-step loop compiled where ``step`` is a problem's polynomial descent
        over (x, y) vectors (the elementwise phrasing) or a decay of every coordinate (the
        paraboloid); else NumPy's loop over the fused step."""
        problem = getattr(step, "__self__", None)
        decay = capabilities.coordinate_decay(problem) if problem is not None else None
        if decay is not None:
            return decay_loop(decay)
        descent = capabilities.polynomial_descent(problem) if problem is not None else None
        if descent is None:
            return super().compile_loop(step)
        fused, eager = descent_loop(descent), super().compile_loop(step)

        def run(params: Array, data: Data, lr: float, k: int) -> Array:
            vectors = len(data) == 2 and all(getattr(d, "ndim", 0) == 1 for d in data)
            return (fused if vectors and getattr(params, "ndim", 0) == 1 else eager)(
                params, data, lr, k
            )

        return run

    def gradient_form(self, size: int) -> str:
        """The elementwise phrasing, whose moments the fused primitive computes in one pass."""
        return "elementwise"
