"""JAX: K steps of the sine fit under jit(fori_loop), unrolled by U, for both phrasings.

Run: python docs/experiments/jax_unroll.py [N]   (default N = 2000; K = 2000)
Prints µs per iteration (median of 7 calls).
"""

import statistics
import sys
import time

import jax
import jax.numpy as jnp

from descent_bench import kernels

jax.config.update("jax_enable_x64", True)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
K = 2000


def timed(f, *args):
    jax.block_until_ready(f(*args))
    times = []
    for _ in range(7):
        start = time.perf_counter()
        jax.block_until_ready(f(*args))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


print(f"jax {jax.__version__}, N = {N:,}, K = {K}")
for form in kernels.FORMS:
    problem = kernels.SineFit(points=N).phrased(form)
    data = tuple(jnp.asarray(a) for a in problem.host_data())
    c = jnp.asarray(problem.initial_params())
    for unroll in (1, 2, 4, 8):

        def loop(c, data, lr, k, unroll=unroll, problem=problem):
            def body(_, c):
                for _ in range(unroll):
                    c = problem.step(kernels.Ops(jnp), c, data, lr)
                return c

            return jax.lax.fori_loop(0, k // unroll, body, c)

        t = timed(jax.jit(loop), c, data, 1e-6, K)
        print(f"{form:12s} unroll {unroll}: {t / K * 1e6:8.3f} µs/iteration")
