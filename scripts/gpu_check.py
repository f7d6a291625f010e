"""The steps and checks of scripts/gpu-check.sh. Each step is a subcommand that writes its
figures to WORK/STEP.json and prints one line per problem, exiting 1 if there is any;
scripts/gpu_run.py runs them in order, each in its own process, and writes the summary.

    python scripts/gpu_check.py STEP WORK [--rehearse]   # machine, info, agreement, ...
    python scripts/gpu_check.py name INFO.json           # the results folder's name
    python scripts/gpu_check.py asv-env CONFIG           # export lines of asv's matrix

The pure checks (preflight, disagreements, K and clock spreads, the ceiling) read data only
and are tested on the CPU.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import gpu_steps

# µs/iter at K = 10, 100 and 1000 may differ by this factor (the fixed cost of a call is
# spread over K; a loop that syncs with the host every iteration does not get cheaper).
K_SPREAD = 1.5
# A device-event time and a host time with sync of the same call may differ by this factor.
CLOCK_SPREAD = 1.25
# The read ceiling against a copy kernel's bandwidth (bytes read + written per second).
CEILING_RANGE = (0.7, 1.6)
# Sizes per step: on a GPU, and rehearsing on the CPU.
SIZES = {
    "agreement": ([2000, 10**6, 10**7], [200, 2000]),
    "timing": ([10**6], [2000]),
    "compare": ([2000, 10**6, 10**7], [2000]),
    "large": ([10**8], [10**4]),
    "gain": ([10**6, 10**7], [2000]),  # a fused row beside its standard-only row
    "copy_bytes": ([2**31], [2**22]),
}
DTYPES = ("float32", "float64")


def load(path: str | Path) -> Any:
    return json.loads(Path(path).read_text())


def sizes(key: str, rehearse: bool) -> list[int]:
    return SIZES[key][1 if rehearse else 0]


def preflight_problems(
    info: dict[str, Any], stderr: str, smi: str | None = None, rehearse: bool = False
) -> list[str]:
    """Why this machine is not ready to measure GPUs: no NVIDIA driver (``smi``: the output
    of ``nvidia-smi -q``), jax not on a GPU, CuPy unusable, or a plugin that printed errors
    or warnings. Rehearsing, jax on the CPU stands in and no driver is expected."""
    by_name = {b["name"]: b for b in info["backends"]}
    problems = []
    if not rehearse and smi is not None and "Driver Version" not in smi:
        problems.append(f"nvidia-smi -q shows no NVIDIA driver: {smi.strip()[:200]}")
    jax = by_name.get("jax")
    if jax is None or not jax["usable"]:
        problems.append(f"jax is unusable: {jax and jax['reason']}")
    elif jax["platform"] != "gpu" and not rehearse:
        problems.append(f"jax is not on a GPU ({jax['platform']}): {jax['platform_reason']}")
    cupy = by_name.get("cupy")
    if cupy is None or not cupy["usable"]:
        problems.append(f"cupy is unusable: {cupy and cupy['reason']}")
    for status in info["backends"]:
        problems += [f"{status['name']}: {w}" for w in status.get("warnings", [])]
    problems += [
        f"stderr: {line.strip()}"
        for line in stderr.splitlines()
        if re.search(r"\b(error|warning|failed)\b", line, re.IGNORECASE)
    ]
    return problems


def device_model(device: str) -> str:
    """The model in a device string: 'cuda:0 NVIDIA H200' -> 'NVIDIA H200'; a bare 'cuda:0'
    (jax's) names no model: ''."""
    match = re.fullmatch(r"(?:cuda|gpu):\d+(?:\s+(.*))?", device.strip())
    return (match.group(1) or "").strip() if match else device.strip()


def gpu_name(info: dict[str, Any]) -> str:
    """A folder name for the GPU in use, from the device kind ('NVIDIA H200' ->
    'nvidia-h200'); refuses where no usable backend names a GPU model."""
    for status in info["backends"]:
        if status["usable"] and status.get("platform") == "gpu":
            for device in status["accelerators"]:
                slug = re.sub(r"[^a-z0-9]+", "-", device_model(device).lower()).strip("-")
                if slug and not re.fullmatch(r"(cuda|gpu)-?\d*", slug):
                    return slug
    raise SystemExit("gpu_check: no usable backend names a GPU model; refusing to name a folder")


def disagreements(records: list[dict[str, Any]]) -> list[str]:
    return [
        f"{r.get('backend', r.get('row'))} sine N={r['size']} {r['dtype']}: max rel diff "
        f"{r['max_rel_diff']:.3g} outside the bound"
        for r in records
        if not r.get("agrees", True)
    ]


def k_problems(label: str, us_per_iter: dict[int, float]) -> list[str]:
    """µs/iter must not depend on K beyond the call's fixed cost (``K_SPREAD``)."""
    low, high = min(us_per_iter.values()), max(us_per_iter.values())
    if high > K_SPREAD * low:
        shown = ", ".join(f"K={k}: {v:.3g} µs" for k, v in sorted(us_per_iter.items()))
        return [f"{label}: µs/iter depends on K ({shown})"]
    return []


def clock_problems(label: str, device_seconds: float | None, host_seconds: float) -> list[str]:
    """The backend's own clock (CUDA events) and the host clock with sync must agree."""
    if device_seconds is None:
        return []
    ratio = host_seconds / device_seconds if device_seconds > 0 else float("inf")
    if not 1 / CLOCK_SPREAD <= ratio <= CLOCK_SPREAD:
        return [
            f"{label}: host time with sync {host_seconds * 1e6:.3g} µs vs the backend's "
            f"{device_seconds * 1e6:.3g} µs (ratio {ratio:.2f})"
        ]
    return []


def ceiling_problems(ceiling: float, copy: float, platform: str) -> list[str]:
    low, high = CEILING_RANGE
    if not low * copy <= ceiling <= high * copy:
        return [
            f"{platform} ceiling {ceiling:.1f} GB/s against a copy kernel's {copy:.1f} GB/s "
            f"(expected {low}..{high} times it)"
        ]
    return []


def nvml() -> Any | None:
    try:
        import pynvml

        return pynvml
    except Exception:
        return None


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "descent_bench.cli", *args]


# -- steps: each returns (figures, problems) -----------------------------------------------
Result = tuple[dict[str, Any], list[str]]


def step_machine(work: Path, rehearse: bool) -> Result:
    try:
        smi = subprocess.run(
            ["nvidia-smi", "-q"], capture_output=True, text=True, timeout=30, check=False
        )
        text = smi.stdout + smi.stderr
    except (OSError, subprocess.TimeoutExpired) as exc:
        text = f"nvidia-smi: {exc}"
    (work / "nvidia-smi.txt").write_text(text)
    driver = re.search(r"Driver Version\s*:\s*(\S+)", text)
    figures = {
        "python": platform.python_version(),
        "host": platform.platform(),
        "driver": driver.group(1) if driver else None,
        "clocks_before": gpu_steps.clocks(nvml()),
    }
    problems = [] if driver or rehearse else ["no NVIDIA driver (nvidia-smi -q says none)"]
    return figures, problems


def step_info(work: Path, rehearse: bool) -> Result:
    proc = subprocess.run(
        cli("info", "--json"), capture_output=True, text=True, timeout=300, check=False
    )
    (work / "info.json").write_text(proc.stdout)
    (work / "info.stderr").write_text(proc.stderr)
    if proc.returncode != 0:
        return {}, [f"descent-bench info --json exited {proc.returncode}"]
    info = json.loads(proc.stdout)
    smi = (work / "nvidia-smi.txt").read_text() if (work / "nvidia-smi.txt").exists() else None
    lines = {b["name"]: b["platform"] or f"unusable: {b['reason']}" for b in info["backends"]}
    try:
        name: str | None = gpu_name(info)
    except SystemExit:
        name = None
    figures = {"gpu": name, "backends": lines}
    return figures, preflight_problems(info, proc.stderr, smi, rehearse)


def step_agreement(work: Path, rehearse: bool) -> Result:
    records, problems = [], []
    for row, stands_for in gpu_steps.gpu_rows(rehearse).items():
        for dtype in DTYPES:
            for size in sizes("agreement", rehearse)[: 1 if row.loop == "compiled" else None]:
                try:
                    records.append(gpu_steps.agreement(row, size, dtype, stands_for))
                except Exception as exc:
                    problems.append(f"{row.label} N={size} {dtype}: {type(exc).__name__}: {exc}")
    if not records:
        problems.append("no row on the GPU to check")
    return {"records": records}, problems + disagreements(records)


def step_timing(work: Path, rehearse: bool) -> Result:
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    notes: list[str] = []
    for name in dict.fromkeys(r.backend for r in gpu_steps.gpu_rows(rehearse)):
        try:
            row = gpu_steps.time_backend(name, sizes("timing", rehearse)[0])
        except Exception as exc:
            problems.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        rows.append(row)
        found = k_problems(name, row["us_per_iteration"])
        found += clock_problems(name, row["device_seconds"], row["host_seconds"])
        # On a CPU at a tiny size a call's fixed cost is not spread over K: shown, not judged.
        (notes if rehearse else problems).extend(found)
    return {"rows": rows, "notes": notes}, problems


def step_compare(work: Path, rehearse: bool) -> Result:
    """``compare`` of the GPU backends without a compiled variant (torch.compile's cold
    starts per size and dtype would take minutes: the ceiling step measures those rows)."""
    from descent_bench import backends

    rows = gpu_steps.gpu_rows(rehearse)
    names = [n for n in dict.fromkeys(r.backend for r in rows)]
    names = [n for n in names if backends.get(n).compiled_variant() is None]
    figures: dict[str, Any] = {"backends": names}
    problems: list[str] = []
    if not names:
        return figures, ["no backend on the GPU to compare"]
    extra = ["--iterations", "20", "--budget", "0"] if rehearse else ["--budget", "5"]
    for dtype in DTYPES:
        out = work / f"compare-{dtype}.json"
        argv = ["compare", "--backends", ",".join(names), "--problems", "sine"]
        argv += ["--sizes", ",".join(map(str, sizes("compare", rehearse))), "--dtype", dtype]
        argv += ["--processes", "1", "--min-rounds", "3", *extra, "--json", str(out)]
        if dtype == "float32":
            argv += ["--plot", str(work / "compare-float32.png")]
        proc = subprocess.run(cli(*argv), text=True, timeout=600, check=False)
        if proc.returncode != 0 or not out.exists():
            problems.append(f"compare {dtype} exited {proc.returncode}")
            continue
        doc = load(out)
        figures[dtype] = {
            "ceiling": doc["ceilings"],
            "us_per_iteration_at_2000": {
                r["backend"]: r["seconds_per_iteration"] * 1e6
                for r in doc["records"]
                if r["size"] == min(sizes("compare", rehearse))
            },
        }
        problems += disagreements(doc["records"])
    return figures, problems


def step_ceiling(work: Path, rehearse: bool) -> Result:
    """A copy kernel on each GPU backend, the card's nominal peak, the rows at the largest
    size in % of both, compare's measured GPU ceiling against the copy kernel, and each
    fused row beside its standard-only row (``gpu_steps.gain_rows``: eager ones at the
    middle sizes too)."""
    info = load(work / "info.json") if (work / "info.json").exists() else {"backends": []}
    model = next(
        (device_model(d) for b in info["backends"] for d in b.get("accelerators", [])),
        None,
    )
    peak = gpu_steps.nominal_peak(nvml(), model)
    rows = gpu_steps.gpu_rows(rehearse)
    copies, problems = {}, []
    for name in dict.fromkeys(r.backend for r in rows):
        try:
            copies[name] = gpu_steps.copy_gbytes_per_second(name, sizes("copy_bytes", rehearse)[0])
        except Exception as exc:
            problems.append(f"copy kernel on {name}: {type(exc).__name__}: {exc}")
    large = []
    for row, stands_for in rows.items():
        for dtype in DTYPES:
            try:
                got = gpu_steps.speed(row, sizes("large", rehearse)[0], dtype, stands_for)
            except Exception as exc:
                problems.append(f"{row.label} {dtype}: {type(exc).__name__}: {exc}")
                continue
            copy = copies.get(row.backend)
            got["percent_of_copy"] = 100 * got["gbytes_per_second"] / copy if copy else None
            got["percent_of_peak"] = 100 * got["gbytes_per_second"] / peak[0] if peak else None
            large.append(got)
    middle = []
    for row in gpu_steps.gain_rows(rows):
        for dtype in DTYPES:
            for size in sizes("gain", rehearse):
                try:
                    middle.append(gpu_steps.speed(row, size, dtype, rows[row]))
                except Exception as exc:
                    problems.append(f"{row.label} N={size} {dtype}: {type(exc).__name__}: {exc}")
    compare = work / "compare-float32.json"
    gpu = (
        load(compare)["ceilings"].get("gpu", {}).get("gbytes_per_second")
        if compare.exists()
        else None
    )
    notes = []
    if gpu is not None and copies.get("cupy"):  # a CPU's numbers are shown, not judged
        (notes if rehearse else problems).extend(ceiling_problems(gpu, copies["cupy"], "gpu"))
    figures = {
        "copy_gbytes_per_second": copies,
        "nominal_peak_gbytes_per_second": peak[0] if peak else None,
        "nominal_peak_source": peak[1] if peak else "unknown card, NVML unavailable",
        "measured_ceiling_gbytes_per_second": gpu,
        "large": large,
        "fused_gain": gpu_steps.fused_gains(
            [(r["row"], r["dtype"], r["size"], r["us_per_iteration"]) for r in middle + large],
            gpu_steps.standard_pairs(rows),
        ),
        "notes": notes,
    }
    return figures, problems + disagreements(large + middle)


def step_after(work: Path, rehearse: bool) -> Result:
    return {"clocks_after": gpu_steps.clocks(nvml())}, []


STEPS = {
    "machine": step_machine,
    "info": step_info,
    "agreement": step_agreement,
    "timing": step_timing,
    "compare": step_compare,
    "ceiling": step_ceiling,
    "after": step_after,
}


def asv_env(config: str) -> dict[str, str]:
    """The environment variables asv's matrix sets (``env_nobuild``, one value each):
    with --python=same asv ignores the matrix, so the caller must set them."""
    text = re.sub(r"^\s*//.*$", "", Path(config).read_text(), flags=re.MULTILINE)
    matrix = json.loads(text).get("matrix", {})
    variables = {**matrix.get("env", {}), **matrix.get("env_nobuild", {})}
    return {k: v[0] if isinstance(v, list) else str(v) for k, v in variables.items()}


def asv_guard_problems(config: str, environ: dict[str, str]) -> list[str]:
    """Why ``asv run --python=same`` with ``config`` would save rows under the wrong
    platform: a matrix variable not set as the configuration says."""
    return [
        f"{k}={environ.get(k)!r} but {config} says {v!r} (export it: python "
        f"scripts/gpu_check.py asv-env {config})"
        for k, v in asv_env(config).items()
        if environ.get(k) != v
    ]


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] in STEPS:
        work = Path(argv[1])
        work.mkdir(parents=True, exist_ok=True)
        rehearse = "--rehearse" in argv[2:]
        try:
            figures, problems = STEPS[argv[0]](work, rehearse)
        except Exception as exc:  # the traceback goes to the step's log, a line to the summary
            traceback.print_exc()
            figures, problems = {}, [f"{type(exc).__name__}: {exc}"]
        payload = {"figures": figures, "problems": problems}
        (work / f"step-{argv[0]}.json").write_text(json.dumps(payload, indent=1, default=str))
    elif len(argv) == 2 and argv[0] == "name":
        print(gpu_name(load(argv[1])))
        return 0
    elif len(argv) == 2 and argv[0] == "asv-env":
        for k, v in asv_env(argv[1]).items():
            print(f"export {k}={v}")
        return 0
    elif len(argv) == 2 and argv[0] == "asv-guard":
        problems = asv_guard_problems(argv[1], dict(os.environ))
    else:
        print(
            f"gpu_check: usage: gpu_check.py {{{','.join(STEPS)}}} WORK [--rehearse] | "
            "name INFO.json | asv-env CONFIG | asv-guard CONFIG",
            file=sys.stderr,
        )
        return 2
    for problem in problems:
        print(f"gpu-check: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
