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
from gpu_judgments import (
    asv_env,
    asv_guard_problems,
    ceiling_problems,
    clock_problems,
    device_model,
    disagreements,
    gpu_name,
    k_problems,
    preflight_problems,
)

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
