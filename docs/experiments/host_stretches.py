"""How a shared host's speed moves over time: a fixed piece of NumPy work (about 1 ms),
timed back to back for SECONDS seconds, summarised per 1 s, 10 s and 25 s window.

    python docs/experiments/host_stretches.py 120

Each window's median is shown over the fastest tenth of all calls (1.00: full speed). Slow
stretches show as runs of 1-second windows well above 1; a 25 s window is about one
process's share of a ``compare --sizes 2000,200000`` run.
"""

from __future__ import annotations

import sys
import time

import numpy as np


def work(x: np.ndarray) -> float:
    total = 0.0
    for _ in range(50):
        total += float((x * x + x).sum())
    return total


def main(seconds: float) -> None:
    x = np.random.default_rng(0).random(20_000)
    work(x)
    starts, times = [], []
    end = time.perf_counter() + seconds
    while (start := time.perf_counter()) < end:
        work(x)
        starts.append(start)
        times.append(time.perf_counter() - start)
    at = np.array(starts) - starts[0]
    took = np.array(times)
    base = np.percentile(took, 10)
    q1, median, q3 = np.percentile(took, [25, 50, 75])
    print(f"{len(took)} calls, median {median * 1e3:.3f} ms, IQR / median {(q3 - q1) / median:.2f}")
    for window in (1, 10, 25):
        edges = np.arange(0, seconds - window + 1e-9, window)
        medians = [np.median(took[(at >= a) & (at < a + window)]) / base for a in edges]
        print(f"{window:>2} s windows:", " ".join(f"{m:.2f}" for m in medians))


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 120.0)
