"""Two ways to split the sine fit over devices, same data and same K-step fori_loop:
sharding-aware jit of the unchanged kernel step (what the backend does) against shard_map
with an explicit psum of the local moments.

Run: JAX_NUM_CPU_DEVICES=4 python docs/experiments/shard_map_vs_jit.py
"""

import statistics

import jax
import jax.numpy as jnp
from jax.sharding import PartitionSpec as P

from descent_bench import backends, kernels
from descent_bench.backends.jax import sharding

jax.config.update("jax_enable_x64", True)
K = 200

for n in (2, 4):
    backend = backends.load("jax").sharded(n).load()
    for N in (4003, 1_000_003):
        problem = kernels.SineFit(points=N)
        placed, data, params = kernels.place(
            problem, backend, "float64", problem.initial_params(seed=0)
        )
        lr = 1e-6 * min(1.0, 2000 / N)
        jit_loop = backend.compile_loop(placed.step)

        def local_loop(c, powers, y, lr, k):
            def body(_, c):
                r = c @ powers - y
                moments = jax.lax.psum(powers @ r, "points")
                return c - (2.0 * lr) * moments

            return jax.lax.fori_loop(0, k, body, c)

        mapped = jax.jit(
            jax.shard_map(
                local_loop,
                mesh=sharding.mesh(n),
                in_specs=(P(), P(None, "points"), P("points"), P(), P()),
                out_specs=P(),
            )
        )
        results = {}
        calls = {
            "sharding-aware jit": lambda f=jit_loop, p=params, d=data, lr=lr: f(p, d, lr, K),
            "shard_map + psum": lambda f=mapped, p=params, d=data, lr=lr: f(p, *d, lr, K),
        }
        for name, call in calls.items():
            backend.sync(call())
            results[name] = statistics.median(backend.time_calls(call, 7)) / K
        same = float(jnp.max(jnp.abs(jit_loop(params, data, lr, K) - mapped(params, *data, lr, K))))
        print(
            f"{n} devices, N = {N:>9,}: "
            + ", ".join(f"{name} {t * 1e6:8.2f} µs/iter" for name, t in results.items())
            + f"  (max |diff| {same:.1e})"
        )
