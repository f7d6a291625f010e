"""Both phrasings of the sine gradient on numpy and jax across sizes, through the harness.

Run: python docs/experiments/forms_crossover.py [float64|float32]
Prints µs per iteration for each form (3 timed calls of compare's default K, median).
"""

import statistics
import sys

from descent_bench import backends, kernels
from descent_bench.timing.prepare import prepare
from descent_bench.timing.rows import Row, Runner
from descent_bench.timing.workloads import call_iterations, make_problem

dtype = sys.argv[1] if len(sys.argv) > 1 else "float64"
for name in ("numpy", "jax"):
    backend = backends.load(name)
    for size in (2000, 20_000, 100_000, 200_000, 2_000_000, 10_000_000):
        problem = make_problem("sine", size)
        cells = []
        for form in kernels.FORMS:
            row = Row(name, name, "own", "sine", size, dtype, call_iterations(problem))
            made = Runner(backend, lambda p, b=backend: b.compile_loop(p.step), form)
            prepared = prepare(row, made)
            seconds = statistics.median(prepared.time_call().host_seconds for _ in range(3))
            cells.append(f"{form} {seconds / prepared.iterations * 1e6:11.2f} µs")
        print(f"{dtype} {name:5s} {size:>10,}  " + "   ".join(cells), flush=True)
