"""The one-pass moments in jax: one flat variadic reduce against reduces over rows.

Run: python docs/experiments/jax_moment_layouts.py [N]   (default N = 10_000_000)
Prints µs/iteration and GB/s of the byte model (2 N 8 bytes) for each layout, median of 7
calls of K iterations, all compiled with XLA:CPU fast math, and jax's flat sum of 2N numbers.
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
K = max(10, min(2000, int(2e7 // N)))
LR = 1e-6 * min(1, 2000 / N)
x = jnp.asarray(np.linspace(-np.pi, np.pi, N))
y = jnp.sin(x)
c0 = jnp.asarray(np.random.default_rng(0).standard_normal(4))


def sums(c, x, y, axis):
    p = ((c[3] * x + c[2]) * x + c[1]) * x + c[0]
    g = p - y
    operands = [g, g * x, g * x * x, g * x * x * x]
    zeros = [jnp.zeros((), x.dtype)] * 4
    add = lambda a, b: tuple(u + v for u, v in zip(a, b, strict=True))  # noqa: E731
    return jnp.stack(lax.reduce(operands, zeros, add, (axis,)))


def flat(c, x, y):
    return sums(c, x, y, 0)


def in_rows(row):
    def moments(c, x, y):
        cut = N // row * row
        shape = (N // row, row)
        total = jnp.sum(sums(c, x[:cut].reshape(shape), y[:cut].reshape(shape), 1), axis=1)
        return total + sums(c, x[cut:], y[cut:], 0) if cut < N else total

    return moments


def seconds(call):
    call()
    times = []
    for _ in range(7):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


options = {"xla_cpu_enable_fast_math": True}
for name, moments in [("flat", flat)] + [(f"rows of {r}", in_rows(r)) for r in (4096, 2**16)]:

    def loop(c, x, y, k, moments=moments):
        return lax.fori_loop(0, k, lambda _, c: c - (2 * LR) * moments(c, x, y), c)

    run = jax.jit(loop, compiler_options=options)
    per_iteration = seconds(lambda run=run: run(c0, x, y, K).block_until_ready()) / K
    gbs = 2 * N * 8 / per_iteration / 1e9
    print(f"{name:12s} N={N:,}: {per_iteration * 1e6:9.2f} µs/iter {gbs:6.1f} GB/s")
ones = jnp.ones(2 * N)
total = jax.jit(jnp.sum)
read = ones.nbytes / seconds(lambda: total(ones).block_until_ready()) / 1e9
print(f"jnp.sum of 2N: {read:.1f} GB/s")
