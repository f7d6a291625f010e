"""One sine-fit iteration with Dask (a chunked array, one compute() per iteration) against the
jax backend on the same data, single device and split over 4 devices.

Run: JAX_NUM_CPU_DEVICES=4 python docs/experiments/dask_iteration.py [N]   (needs dask[array])
Prints the median time of one iteration for each (Dask: 9 iterations; jax: K = 200 in one
compiled call, per iteration).
"""

import statistics
import sys
import time

import dask
import dask.array as da
import numpy as np

from descent_bench import backends, kernels

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
CHUNKS = 4
problem = kernels.SineFit(points=N)
x_host, y_host = problem.host_data()
start = problem.initial_params(seed=0)
lr = 1e-6 * min(1.0, 2000 / N)


def dask_iteration(c, x, y):
    p = c[3]
    for j in (2, 1, 0):
        p = p * x + c[j]
    g = p - y
    sums = [g.sum()]
    for _ in range(3):
        g = g * x
        sums.append(g.sum())
    (moments,) = dask.compute(da.stack(sums))
    return c - (2.0 * lr) * moments


x = da.from_array(x_host, chunks=N // CHUNKS + 1)
y = da.from_array(y_host, chunks=N // CHUNKS + 1)
c = start.copy()
times = []
for _ in range(9):
    t0 = time.perf_counter()
    c = dask_iteration(c, x, y)
    times.append(time.perf_counter() - t0)
print(
    f"N = {N:,}, dask {dask.__version__} ({CHUNKS} chunks, threaded scheduler): "
    f"{statistics.median(times) * 1e6:,.1f} µs per iteration"
)
reference = start.copy()
for _ in range(9):
    reference = reference - (2.0 * lr) * (
        np.vander(x_host, 4, increasing=True).T
        @ (np.polynomial.polynomial.polyval(x_host, reference) - y_host)
    )
print(f"  dask after 9 iterations vs NumPy: max |diff| {np.max(np.abs(c - reference)):.1e}")

for devices in (1, 4):
    backend = backends.load("jax").sharded(devices).load()
    placed, data, params = kernels.place(problem, backend, "float64", start)
    loop = backend.compile_loop(placed.step)
    backend.sync(loop(params, data, lr, 1))
    call = lambda loop=loop, params=params, data=data: loop(params, data, lr, 200)  # noqa: E731
    t = statistics.median(backend.time_calls(call, 5)) / 200
    print(f"N = {N:,}, jax over {devices} device(s): {t * 1e6:,.1f} µs per iteration")
