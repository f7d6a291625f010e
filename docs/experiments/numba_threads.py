"""numba's fused moments on one thread against two (prange over two chunks).

Run: python docs/experiments/numba_threads.py
Prints GB/s of the byte model (2 N 8 bytes per call) at N = 2000, 2e5 and 1e7, median of 7
runs of K calls, and NumPy's flat sum of 256 MiB.
"""

import statistics
import time

import numba
import numpy as np

FAST_MATH = {"nsz", "arcp", "contract", "afn", "reassoc"}


@numba.njit(fastmath=FAST_MATH)
def chunk(c, x, y, lo, hi):
    s0 = s1 = s2 = s3 = 0.0
    for i in range(lo, hi):
        xi = x[i]
        g = ((c[3] * xi + c[2]) * xi + c[1]) * xi + c[0] - y[i]
        s0 += g
        g *= xi
        s1 += g
        g *= xi
        s2 += g
        g *= xi
        s3 += g
    return np.array([s0, s1, s2, s3])


@numba.njit(fastmath=FAST_MATH, parallel=True)
def two_threads(c, x, y):
    n = x.shape[0]
    out = np.zeros((2, 4))
    for t in numba.prange(2):
        out[t] = chunk(c, x, y, n * t // 2, n * (t + 1) // 2)
    return out.sum(axis=0)


@numba.njit(fastmath=FAST_MATH)
def one_thread(c, x, y):
    return chunk(c, x, y, 0, x.shape[0])


def gbytes_per_second(call, nbytes, k):
    call()
    times = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(k):
            call()
        times.append((time.perf_counter() - start) / k)
    return nbytes / statistics.median(times) / 1e9


print(f"numba {numba.__version__}, threading layer after first use:", end=" ")
for n in (2000, 200_000, 10_000_000):
    x = np.linspace(-np.pi, np.pi, n)
    y, c = np.sin(x), np.array([0.1, 0.2, 0.3, 0.4])
    k = max(10, min(2000, int(2e7 // n)))
    one = gbytes_per_second(lambda c=c, x=x, y=y: one_thread(c, x, y), 16 * n, k)
    two = gbytes_per_second(lambda c=c, x=x, y=y: two_threads(c, x, y), 16 * n, k)
    if n == 2000:
        print(numba.threading_layer())
    print(f"N={n:>10,}: one thread {one:5.1f} GB/s, two threads {two:5.1f} GB/s")
ones = np.ones(256 * 2**20 // 8)
print(f"numpy sum of 256 MiB: {gbytes_per_second(ones.sum, ones.nbytes, 1):.1f} GB/s")
