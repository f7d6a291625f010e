"""The agreement check's power and false alarms, measured: the tables of docs/validation.md.

    python docs/experiments/validation_sweep.py [PROBLEMS] > docs/validation-sweep.md

1. Power: every fault of ``tests/faults.py`` on every CPU backend in both dtypes, on the sine
   fit at 2,000 points and the paraboloid at its default sizes; then which faults are still
   caught at 10^6 and 10^7 points.
2. The smallest fault caught, per gradient term and dtype (NumPy, sine fit at 2,000 points):
   the check's resolution.
3. False alarms: PROBLEMS (default 60) honest problems (``tests/sweep.py``), each on every
   CPU backend in both dtypes and phrasings, one of them at 10^7 points; every row's distance
   from its reference over its tolerance.
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

import faults
import sweep
from descent_bench import backends, kernels
from descent_bench.reference.answer import reference
from descent_bench.reference.bound import max_rel_diff
from descent_bench.timing.workloads import call_iterations

POWER_BACKENDS = ("numpy", "jax", "numba", "torch", "strict")
DTYPES = ("float64", "float32")


def usable(names):
    return [n for n in names if backends.get(n).unavailable_reason() is None]


def power_table(problem, names):
    k = call_iterations(problem)
    header = ["backend", "dtype", "honest / tol", "tolerance", *faults.FAULTS]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    missed = 0
    for name in names:
        for dtype in DTYPES:
            distance, tolerance, verdicts = faults.power(name, problem, dtype, k)
            missed += sum(v.outcome == "MISSED" for v in verdicts)
            cells = [name, dtype, f"{distance / tolerance:.3f}", f"{tolerance:.2g}"]
            lines.append("| " + " | ".join(cells + [v.cell for v in verdicts]) + " |")
    return lines, missed


def term_resolution(problem, dtype):
    """The smallest relative scaling of each gradient term that the check catches."""
    k = call_iterations(problem)
    lr = problem.stable_lr()
    _, form = faults.final_params("numpy", problem, dtype, lr, k)
    answer = reference(problem, k, lr, dtype, form)
    tolerance = answer.tolerance(dtype, k, dtype).value
    found = []
    base = type(problem)
    for term in range(problem.initial_params().size):
        caught = None
        for exponent in np.arange(-13.0, -1.9, 0.25):
            scale = 1 + 10**exponent

            def step(self, ops, params, data, lr, term=term, scale=scale):
                update = base.step(self, ops, params, data, lr) - params
                parts = [update[..., i : i + 1] for i in range(update.shape[-1])]
                parts[term] = parts[term] * scale
                return params + ops.xp.concat(parts, axis=-1)

            made = faults._subclass(problem, "Term", {"step": step})
            got, _ = faults.final_params("numpy", made, dtype, lr, k)
            if max_rel_diff(got, answer.params) > tolerance:
                caught = 10**exponent
                break
        found.append(caught)
    return tolerance, found


def main(count):
    began = time.perf_counter()
    out = ["# The agreement check, measured", ""]
    out += [
        f"Made by `python docs/experiments/validation_sweep.py {count}`; see validation.md.",
        "",
    ]
    names = usable(POWER_BACKENDS)
    out += ["## Power: each fault on each CPU backend", ""]
    total_missed = 0
    sizes = [("sine", kernels.SineFit(2000))]
    sizes += [("paraboloid", kernels.Paraboloid(2, w)) for w in kernels.Paraboloid.default_sizes]
    for name, problem in sizes:
        out += [f"### {name}, {problem.size:,} {problem.size_label}", ""]
        lines, missed = power_table(problem, names)
        total_missed += missed
        out += [*lines, ""]
    out += ["## Power at 10^6 and 10^7 points (sine fit)", ""]
    for points in (10**6, 10**7):
        out += [f"### sine, {points:,} points", ""]
        lines, _ = power_table(kernels.SineFit(points), usable(("numpy", "jax", "numba")))
        out += [*lines, ""]
    out += ["## Resolution: the smallest scaling of one gradient term caught", ""]
    out += ["| dtype | tolerance | " + " | ".join(f"term {j}" for j in range(4)) + " |"]
    out += ["| --- | --- |" + " --- |" * 4]
    for dtype in DTYPES:
        tolerance, found = term_resolution(kernels.SineFit(2000), dtype)
        cells = [f"1 + {v:.2g}" if v else "not up to 1 + 1e-2" for v in found]
        out.append(f"| {dtype} | {tolerance:.2g} | " + " | ".join(cells) + " |")
    out += ["", "## False alarms: honest configurations", ""]
    configs = sweep.configs(count)
    configs.append(
        sweep.Config(
            kernels.SineFit(10**7), kernels.SineFit(10**7).stable_lr(), 0, "numpy", "float32", None
        )
    )
    ratios, alarms, skipped = [], [], 0
    for config in configs:
        if sweep.backend_object_reason(config.backend):
            skipped += 1
            continue
        distance, tolerance, _ = sweep.run(config)
        ratios.append((distance / tolerance, config))
        if distance > tolerance:
            alarms.append(config.label)
    ratios.sort(key=lambda r: -r[0])
    out += [f"- configurations: {len(ratios)} ({skipped} skipped: backend unusable here)"]
    out += [f"- false alarms: {len(alarms)}"]
    out += [f"- faults missed in the power tables above: {total_missed}"]
    out += ["- the largest distance over tolerance, and where:", ""]
    out += [f"  - {r:.3f}: {c.label}" for r, c in ratios[:10]]
    out += [
        "",
        "Every configuration's ratio, by quantile: "
        + ", ".join(
            f"{q}% {np.percentile([r for r, _ in ratios], q):.3g}" for q in (50, 90, 99, 100)
        ),
    ]
    out += ["", f"({time.perf_counter() - began:.0f} s here.)"]
    print("\n".join(out))
    return 1 if alarms or total_missed else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 60))
