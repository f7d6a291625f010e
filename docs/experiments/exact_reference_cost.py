"""What the exact reference costs at the largest default sizes, per problem.

    python docs/experiments/exact_reference_cost.py [REPEATS]

Times ``reference.answer`` without its caches (the problem's data made, power sums,
K steps in 50 digits), the median and range of REPEATS runs each (the first run of a
process pays for warming up: up to 2.5 s measured).
"""

import statistics
import sys
import time

from descent_bench.kernels import Paraboloid, SineFit
from descent_bench.reference.answer import _cached_power_sums, _computed
from descent_bench.timing.workloads import call_iterations

repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
for problem in (SineFit(10**7), SineFit(10**7, loss_name="mse"), Paraboloid(2, 10**6)):
    k = call_iterations(problem)
    times = []
    for _ in range(repeats):
        _cached_power_sums.cache_clear()  # each run forms the power sums anew
        start = time.perf_counter()
        found = _computed(problem, k, problem.stable_lr())
        times.append(time.perf_counter() - start)
    print(
        f"{problem.name:10} {problem.size:>9,} {problem.size_label:8} K={k:<5} {found.kind:6} "
        f"median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})"
    )
