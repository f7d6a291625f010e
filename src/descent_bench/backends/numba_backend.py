"""NumPy arrays with the kernel's one extra primitive fused by numba: one pass per iteration.

The plain ``numpy`` row makes d + 2 passes over memory per iteration (the residual, then one
sum per moment, or two BLAS products). Here ``Ops.residual_moments`` is one compiled loop
that reads x and y once and keeps d + 1 float64 accumulators, so float32 inputs are summed
in float64. The loop is generated per degree, so the accumulators are scalars the compiler
vectorises. numba's fast-math flags allow reordering the sums (what vectorising needs) but
not assuming finite values (no ``nnan``/``ninf``), so a diverging run still shows as
non-finite. One thread (no ``parallel``): on a busy two-core machine a second thread was
slower (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from descent_bench.backends.base import BackendUnavailable
from descent_bench.backends.numpy_backend import NumpyBackend
from descent_bench.kernels import Array, Ops

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
    compiles = True  # numba compiles the fused loop at its first call

    def _load(self) -> None:
        super()._load()
        try:
            import numba  # noqa: F401
        except ImportError as exc:
            raise BackendUnavailable(
                "numba is not installed (pip install 'descent-bench[numba]')"
            ) from exc

    @property
    def ops(self) -> Ops:
        return FusedOps(self.xp)

    def gradient_form(self, size: int) -> str:
        """The elementwise phrasing, whose moments the fused primitive computes in one pass."""
        return "elementwise"
