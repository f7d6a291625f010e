"""Does jax on the CPU honour a thread limit? CPU affinity against the usual XLA flags.

Run: python docs/experiments/jax_threads.py [ROUNDS]

Each configuration runs in a fresh process (XLA sizes its thread pool when jax starts), the
configurations interleaved round after round; each process prints the median µs/iter of the
jax sine fit at 10^7 points (float64, 10 iterations per call, 5 calls) and the threads the
process holds. Configurations: affinity to one CPU for the whole run; one CPU while jax
starts, then every CPU (what ``compare --threads 1`` does); two CPUs; and no affinity with
the XLA flags that are said to limit threads.
"""

import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import json, os, statistics, sys, time
cpus, widen = json.loads(sys.argv[1])
everything = os.sched_getaffinity(0)
if cpus is not None:
    os.sched_setaffinity(0, cpus)
from descent_bench import backends
backends.load("jax")
if widen:  # jax started on `cpus`: its pool is sized; the OS may now place it anywhere
    os.sched_setaffinity(0, everything)
from descent_bench.timing.rows import own_loop
from descent_bench.timing.prepare import prepare
from descent_bench.timing.workloads import make_problem
problem = make_problem("sine", 10_000_000)
row = prepare(own_loop(backends.load("jax")), problem, "float64", problem.stable_lr(),
              problem.initial_params(), 10)
times = [row.time_call().host_seconds / row.iterations for _ in range(5)]
print(json.dumps({"us": statistics.median(times) * 1e6,
                  "threads": len(os.listdir("/proc/self/task"))}))
"""

FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
CONFIGS = {
    "affinity 1 CPU": ([[0], False], {}),
    "1 CPU at start, then all": ([[0], True], {}),
    "affinity 2 CPUs": ([[0, 1], False], {}),
    "XLA flags, no affinity": ([None, False], {"XLA_FLAGS": FLAGS}),
    "no limit": ([None, False], {}),
}


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    results: dict[str, list[float]] = {name: [] for name in CONFIGS}
    threads: dict[str, int] = {}
    for _ in range(rounds):
        for name, (cpus, extra) in CONFIGS.items():
            env = {**os.environ, **extra, "JAX_PLATFORMS": "cpu"}
            out = subprocess.run(
                [sys.executable, "-c", CHILD, json.dumps(cpus)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            line = json.loads(out.strip().splitlines()[-1])
            results[name].append(line["us"])
            threads[name] = line["threads"]
    for name, values in results.items():
        print(
            f"{name:24s} median {statistics.median(values):9.1f} µs/iter "
            f"(min {min(values):.1f}, max {max(values):.1f}), {threads[name]} threads"
        )


if __name__ == "__main__":
    main()
