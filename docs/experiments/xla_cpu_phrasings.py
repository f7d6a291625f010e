"""How XLA:CPU runs different phrasings of one sine-fit gradient step (float64).

Run: python docs/experiments/xla_cpu_phrasings.py [N]   (default N = 10_000_000)
Prints ms per step and GB/s of compulsory traffic (x and y read once: 16 N bytes).
The kernel's own phrasings are "elementwise" and "features"; the others are candidates that
were measured and not adopted (see docs/performance.md).
"""

import statistics
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

jax.config.update("jax_enable_x64", True)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000


def timed(f, *args, repeat=7):
    jax.block_until_ready(f(*args))
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        jax.block_until_ready(f(*args))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def residual(c, x, y):
    p = c[3]
    for j in (2, 1, 0):
        p = p * x + c[j]
    return p - y


def elementwise(c, x, y):  # the kernel's "elementwise" form: Horner, then chained sums
    g = residual(c, x, y)
    sums = [jnp.sum(g)]
    for _ in range(3):
        g = g * x
        sums.append(jnp.sum(g))
    return jnp.stack(sums)


def powers_stacked(c, x, axis):
    r = residual(c, x[0], x[1])
    xx = x[0]
    return jnp.sum(jnp.stack([r, r * xx, r * xx * xx, r * xx * xx * xx], axis=axis), axis=1 - axis)


def shifted(c, x, y):  # x^j * p(x) by Horner on shifted coefficients: no shared residual
    out = []
    for j in range(4):
        coefficients = [0.0] * j + [c[k] for k in range(4)]
        p = coefficients[-1]
        for k in range(len(coefficients) - 2, -1, -1):
            p = p * x + coefficients[k]
        yj = y
        for _ in range(j):
            yj = yj * x
        out.append(jnp.sum(p - yj))
    return jnp.stack(out)


def variadic(c, x, y):  # JAX-only: one lax.reduce over four operands
    r = residual(c, x, y)
    zero = jnp.zeros((), x.dtype)
    ops = (r, r * x, r * x * x, r * x * x * x)

    def add(a, b):
        return tuple(p + q for p, q in zip(a, b, strict=True))

    return jnp.stack(lax.reduce(ops, (zero,) * 4, add, (0,)))


def dot(c, x, y):
    r = residual(c, x, y)
    return jnp.stack([jnp.ones_like(x), x, x * x, x * x * x]) @ r


def features(c, powers, y):  # the kernel's "features" form
    return powers @ (c @ powers - y)


x = jnp.linspace(-np.pi, np.pi, N)
y = jnp.sin(x)
c = jnp.array([0.1, 0.8, 0.01, -0.09])
powers = jnp.stack([jnp.ones_like(x), x, x * x, x * x * x])
cases = {
    "sum(x*y), one fused reduction (for scale)": (lambda c, x, y: jnp.sum(x * y), (c, x, y)),
    "sum(residual), Horner + one reduction": (
        lambda c, x, y: jnp.sum(residual(c, x, y)),
        (c, x, y),
    ),
    "elementwise (kernel)": (elementwise, (c, x, y)),
    "features (kernel)": (features, (c, powers, y)),
    "stacked (4,N) row reduction": (lambda c, x, y: powers_stacked(c, (x, y), 0), (c, x, y)),
    "stacked (N,4) column reduction": (lambda c, x, y: powers_stacked(c, (x, y), 1), (c, x, y)),
    "shifted Horner, 4 independent sums": (shifted, (c, x, y)),
    "dot with stacked powers": (dot, (c, x, y)),
    "variadic lax.reduce (not array API)": (variadic, (c, x, y)),
}
print(f"jax {jax.__version__}, N = {N:,}, XLA_FLAGS={__import__('os').environ.get('XLA_FLAGS')}")
for name, (f, args) in cases.items():
    t = timed(jax.jit(f), *args)
    print(f"{name:45s} {t * 1e3:9.3f} ms {16 * N / t / 1e9:7.2f} GB/s")
