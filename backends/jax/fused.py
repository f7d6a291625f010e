"""The kernel's residual moments as one variadic reduction, and the XLA:CPU options that let
it vectorise: one pass over x and y per iteration instead of d + 2.

``lax.reduce`` over the d + 1 operands g x^j (each an elementwise expression XLA fuses into
the reduction) makes one loop with d + 1 accumulators. Without permission to reorder a sum
XLA:CPU keeps that loop a scalar add chain; ``xla_cpu_enable_fast_math`` grants it. XLA's
fast math still honours NaN and infinity by default (``xla_cpu_fast_math_honor_nans``,
``..._honor_infs``), so a diverging run is still found; the tests check it.
"""

from __future__ import annotations

from typing import Any

from descent_bench.kernels import Array, Ops

# Options for jax.jit on the CPU platform only (XLA:GPU reorders its reductions anyway).
CPU_COMPILER_OPTIONS: dict[str, Any] = {"xla_cpu_enable_fast_math": True}


class VariadicOps(Ops):
    """``Ops`` whose residual moments are one ``lax.reduce`` over d + 1 operands."""

    def residual_moments(self, coeffs: Array, x: Array, y: Array, sign: bool) -> Array:
        from jax import lax

        xp = self.xp
        degree = coeffs.shape[0] - 1
        y_pred = coeffs[degree]
        for j in range(degree - 1, -1, -1):
            y_pred = y_pred * x + coeffs[j]
        r = y_pred - y
        g = xp.sign(r) if sign else r
        operands = [g]
        for _ in range(degree):
            g = g * x
            operands.append(g)
        zeros = [xp.zeros((), dtype=x.dtype)] * (degree + 1)
        sums = lax.reduce(
            operands, zeros, lambda a, b: tuple(u + v for u, v in zip(a, b, strict=True)), (0,)
        )
        return xp.stack(sums)
