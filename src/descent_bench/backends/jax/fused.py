"""The kernel's residual moments as one variadic reduction, and the XLA:CPU options that let
it vectorise: one pass over x and y per iteration instead of d + 2.

``lax.reduce`` over the d + 1 operands g x^j (each an elementwise expression XLA fuses into
the reduction) makes one loop with d + 1 accumulators. Without permission to reorder a sum
XLA:CPU keeps that loop a scalar add chain; ``xla_cpu_enable_fast_math`` grants it. XLA's
fast math still honours NaN and infinity by default (``xla_cpu_fast_math_honor_nans``,
``..._honor_infs``), so a diverging run is still found; the tests check it.

Large inputs are reduced as rows of ``ROW`` points (a (n / ROW) x ROW view, the tail apart):
XLA:CPU splits a reduction over rows between its threads, while one flat reduction runs on
one; measured here at 10^7 points, 14.7 GB/s flat against 29.6-32.0 GB/s in rows, the rows
at or above the run's streaming ceiling (docs/performance.md). Row partial sums also bound
the rounding error better than one long chain.
"""

from __future__ import annotations

from typing import Any

from descent_bench.kernels import Array, Ops

# Options for jax.jit on the CPU platform only (XLA:GPU reorders its reductions anyway).
CPU_COMPILER_OPTIONS: dict[str, Any] = {"xla_cpu_enable_fast_math": True}
# Points per row of the blocked reduction; inputs under two rows are reduced flat.
ROW = 4096


class VariadicOps(Ops):
    """``Ops`` whose residual moments are one ``lax.reduce`` over d + 1 operands."""

    def residual_moments(self, coeffs: Array, x: Array, y: Array, sign: bool) -> Array:
        n = x.shape[0]
        rows = n // ROW
        if rows < 2:
            return self._sums(coeffs, x, y, sign, axis=0)
        cut = rows * ROW
        shape = (rows, ROW)
        partial = self._sums(coeffs, x[:cut].reshape(shape), y[:cut].reshape(shape), sign, axis=1)
        total = self.xp.sum(partial, axis=1)
        if cut < n:
            total = total + self._sums(coeffs, x[cut:], y[cut:], sign, axis=0)
        return total

    def _sums(self, coeffs: Array, x: Array, y: Array, sign: bool, axis: int) -> Array:
        """The d + 1 sums along ``axis`` as one variadic reduce, stacked first."""
        from jax import lax

        xp = self.xp
        operands = self.moment_terms(coeffs, x, y, sign)
        zeros = [xp.zeros((), dtype=x.dtype)] * len(operands)
        sums = lax.reduce(
            operands, zeros, lambda a, b: tuple(u + v for u, v in zip(a, b, strict=True)), (axis,)
        )
        return xp.stack(sums)
