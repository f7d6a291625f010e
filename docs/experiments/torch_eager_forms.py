"""Eager torch: the sine gradient's two phrasings, their speed, and how exact the features
phrasing's matrix-vector product is in float64.

Run: python docs/experiments/torch_eager_forms.py   (one intra-op thread)
Prints µs per iteration of each phrasing (median of 5 calls of K steps) at 2000 to 2·10⁶
points, then, in float64 and float32, the largest relative error of the moments P @ r (the
powers times the residual, in that dtype) from torch and from NumPy against exactly rounded
sums of the same products (math.fsum), in units of the dtype's roundoff.
"""

import math
import statistics
import time

import array_api_compat.torch as xp
import numpy as np
import torch

from descent_bench import kernels

torch.set_num_threads(1)
ops = kernels.Ops(xp)
print(f"torch {torch.__version__}, numpy {np.__version__}, float64, 1 thread")
for points, k in ((2000, 2000), (200_000, 100), (2_000_000, 10)):
    perf = {}
    for form in kernels.FORMS:
        problem = kernels.SineFit(points=points).phrased(form)
        data = tuple(torch.asarray(a) for a in problem.host_data())
        start = torch.asarray(problem.initial_params())

        def run(k, problem=problem, data=data, start=start):
            c = start
            for _ in range(k):
                c = problem.step(ops, c, data, problem.stable_lr())
            return c

        run(2)
        times = []
        for _ in range(5):
            began = time.perf_counter()
            run(k)
            times.append(time.perf_counter() - began)
        perf[form] = statistics.median(times) / k * 1e6
    shown = "   ".join(f"{form} {us:10.2f} µs" for form, us in perf.items())
    print(f"{points:>10,}  {shown}")

for dtype in (np.float64, np.float32):
    unit = float(np.finfo(dtype).eps) / 2
    for points in (2000, 20_000, 200_000, 1_000_000, 10_000_000):
        powers, y = kernels.SineFit(points=points).phrased("features").host_data()
        r = kernels.SineFit(points=points).initial_params() @ powers - y
        powers, r = powers.astype(dtype), r.astype(dtype)
        exact = np.array([math.fsum(row) for row in powers.astype(np.float64) * r])
        moments = {
            "torch": (torch.from_numpy(powers) @ torch.from_numpy(r)).numpy(),
            "numpy": powers @ r,
        }
        shown = "   ".join(
            f"{name} {float(np.max(np.abs(got - exact) / np.abs(exact))) / unit:9.1f}"
            for name, got in moments.items()
        )
        print(f"{np.dtype(dtype).name} {points:>10,}  P @ r, error in units of roundoff: {shown}")
