"""jax's loop with K static (as the backend runs it) against K traced (as before 0.2.0), with
numpy beside them, at N = 2000 and 1e6 (float64).

Run: python docs/experiments/static_trip_count.py
The three rows are timed in turn, 42 rounds, the order rotated each round (the row right
after numpy otherwise pays for its BLAS threads winding down); median (and fastest) µs/iter
per row.
"""

import statistics

import jax

from descent_bench import backends, kernels
from descent_bench.backends.jax.backend import MATMUL_PRECISION

numpy_backend, jax_backend = backends.load("numpy"), backends.load("jax")


def traced_k_loop(step):
    """The jax loop with K a traced argument: no known trip count."""
    ops = jax_backend.ops

    def loop(params, data, lr, k):
        with jax.default_matmul_precision(MATMUL_PRECISION):
            return jax.lax.fori_loop(0, k, lambda _, p: step(ops, p, data, lr), params)

    return jax.jit(loop, compiler_options=jax_backend.compiler_options())


for n, k in [(2000, 2000), (10**6, 20)]:
    rows = {}
    for label, backend in [
        ("numpy", numpy_backend),
        ("jax-static-K", jax_backend),
        ("jax-traced-K", jax_backend),
    ]:
        problem = kernels.SineFit(points=n)
        problem, data, params = kernels.place(problem, backend, "float64", problem.initial_params())
        run = traced_k_loop(problem.step) if label == "jax-traced-K" else None
        run = run or backend.compile_loop(problem.step)
        backend.sync(run(params, data, 1e-6, k))
        rows[label] = (backend, run, params, data)
    times: dict[str, list[float]] = {label: [] for label in rows}
    order = list(rows)
    for r in range(42):
        for label in order[r % 3 :] + order[: r % 3]:
            backend, run, params, data = rows[label]
            call = lambda: run(params, data, 1e-6, k)  # noqa: B023, E731
            times[label] += backend.time_calls(call, 1)
    cells = (
        f"{label} {statistics.median(t) / k * 1e6:9.2f} ({min(t) / k * 1e6:.2f}) µs"
        for label, t in times.items()
    )
    print(f"N={n:>9,} K={k:<5}", "  ".join(cells), flush=True)
