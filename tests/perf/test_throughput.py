"""pytest-benchmark: the backends side by side for each problem, size and dtype.

The rows are ``bench.table_rows()`` (the tutorial, each registered backend's own loop and its
naive loop), built through ``descent_bench.bench`` alone, the interface the asv suite uses. The
normal test run executes each once as a smoke test (``--benchmark-disable`` in pyproject's
addopts). Time them with ``python -m pytest tests/perf --benchmark-enable``: the timed session
is then pinned to ``DESCENT_BENCH_THREADS`` CPUs (default 1) with every pool held to as many
threads, as the asv suite is (two BLAS threads on a busy 2-core machine made rows up to 60x
slower from one run to the next).
"""

import os

import numpy as np
import pytest

from availability import iterations_for, skip_mark
from descent_bench import bench

ROWS = [
    pytest.param(row, id=row[0], marks=skip_mark(row[1]) if row[2] != "tutorial" else [])
    for row in bench.table_rows()
]
# The first two sizes asv tracks for each problem: a quick table.
CASES = [(name, size) for name in bench.problem_names() for size in bench.sizes(name)[:2]]
THREADS = int(os.environ.get("DESCENT_BENCH_THREADS", "1"))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("problem_name", "size"), CASES, ids=str)
@pytest.mark.parametrize("row", ROWS)
def test_iterations(benchmark, row, problem_name, size, dtype):
    _, backend, loop = row
    threads = None if benchmark.disabled else THREADS  # the smoke run leaves the process be
    try:
        workload = bench.Workload.build(
            problem_name, size, dtype, backend, loop=loop, threads=threads
        )
    except bench.Unavailable as exc:
        pytest.skip(str(exc))
    # One K for every row of a group, so the table compares like with like; 1/20 of compare's
    # K keeps the literal tutorial loop (~100x slower) to a fraction of a second per call.
    iterations = iterations_for(workload.backend, max(1, workload.iterations // 20))

    benchmark.group = f"{problem_name} size={size} {dtype}"
    benchmark.extra_info["iterations"] = iterations
    benchmark.extra_info["threads"] = threads
    result = benchmark(lambda: workload.run(iterations))

    assert np.all(np.isfinite(workload.backend.to_numpy(result)))
    if benchmark.stats is not None:  # timing enabled
        per_iteration = benchmark.stats.stats.median / iterations
        benchmark.extra_info["iterations_per_second"] = 1 / per_iteration
        benchmark.extra_info["gbytes_per_second"] = bench.gbytes_per_second(
            workload.bytes_per_iteration, per_iteration
        )
