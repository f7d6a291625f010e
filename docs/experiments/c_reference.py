"""The C limit references on their own: the vectorised streaming read and the fused descent.

Run: python docs/experiments/c_reference.py [float64|float32]
Builds src/descent_bench/native/fused.c with the machine's C compiler (cc, or $CC), then
prints the read's GB/s over 256 MiB and the fused descent's µs/iter and GB/s at N = 2000 and
1e7 (median of 7 calls of compare's default K).
"""

import statistics
import sys
import time

import numpy as np

from descent_bench import kernels
from descent_bench.native import fused as native
from descent_bench.timing.workloads import call_iterations

dtype = sys.argv[1] if len(sys.argv) > 1 else "float64"
library = native.load()


def median_seconds(call, repeat=7):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


ones = np.ones(256 * 2**20 // np.dtype(dtype).itemsize, dtype=dtype)
print(
    f"c-stream read {ones.nbytes / median_seconds(lambda: library.stream_sum(ones)) / 1e9:.1f} GB/s"
)


def fused_seconds_per_iteration(problem):
    x, y = (a.astype(dtype) for a in problem.host_data())
    start, k = problem.initial_params(), call_iterations(problem)
    step = problem.stable_lr() * problem.polynomial_descent().constant
    return median_seconds(lambda: library.moment_descent(start, x, y, step, k, False)) / k, k


for n in (2000, 10_000_000):
    problem = kernels.SineFit(points=n)
    seconds, k = fused_seconds_per_iteration(problem)
    gbs = problem.bytes_per_iteration(np.dtype(dtype).itemsize) / seconds / 1e9
    print(f"c-fused N={n:>10,}: {seconds * 1e6:10.2f} µs/iter {gbs:6.1f} GB/s ({dtype}, K={k})")
