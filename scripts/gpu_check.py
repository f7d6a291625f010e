"""The steps and checks of scripts/gpu-check.sh. Each step is a subcommand that writes its
figures to WORK/STEP.json and prints one line per problem, exiting 1 if there is any;
scripts/gpu_run.py runs them in order, each in its own process, and writes the summary.

    python3 scripts/gpu_check.py STEP WORK [--rehearse]   # machine, info, agreement, ...
    python3 scripts/gpu_check.py name INFO.json           # the results folder's name
    python3 scripts/gpu_check.py asv-env CONFIG           # export lines of asv's matrix

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
from gpu_basics import DTYPES, Result, cli, load, nvml, sizes
from gpu_ceiling import step_ceiling
from gpu_judgments import (
    asv_env,
    asv_guard_problems,
    clock_problems,
    disagreements,
    gpu_name,
    k_problems,
    preflight_problems,
)
from gpu_rows import RowLog

# -- steps: each returns (figures, problems) -----------------------------------------------


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
    return figures, preflight_problems(info, smi, rehearse)


def step_agreement(work: Path, rehearse: bool) -> Result:
    """Every GPU row against the reference in both dtypes, breadth-first by size (every row
    at the smallest size before any at the next), compiled variants last and at the smallest
    size only; each row written as it is checked (``gpu_rows``)."""
    rows = gpu_steps.gpu_rows(rehearse)
    ordered = sorted(rows, key=lambda r: r.loop == "compiled")  # stable: compiled last
    tasks = [
        (row, dtype, size)
        for i, size in enumerate(sizes("agreement", rehearse))
        for row in ordered
        if i == 0 or row.loop != "compiled"
        for dtype in DTYPES
    ]
    log = RowLog(work, "agreement", len(tasks))
    records, problems = [], []
    for row, dtype, size in tasks:
        try:
            records.append(log.add("records", gpu_steps.agreement(row, size, dtype, rows[row])))
        except Exception as exc:
            problems.append(log.failed(f"{row.label} N={size} {dtype}", exc))
    if not records:
        problems.append("no row on the GPU to check")
    return {"records": records}, problems + disagreements(records)


def step_timing(work: Path, rehearse: bool) -> Result:
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    notes: list[str] = []
    names = list(dict.fromkeys(r.backend for r in gpu_steps.gpu_rows(rehearse)))
    log = RowLog(work, "timing", len(names))
    for name in names:
        try:
            row = gpu_steps.time_backend(name, sizes("timing", rehearse)[0])
        except Exception as exc:
            problems.append(log.failed(name, exc))
            continue
        rows.append(log.add("rows", row))
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
    log = RowLog(work, "compare", len(DTYPES))  # a dtype's figures kept once its run is done
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
        figures[dtype] = log.add(
            f"={dtype}",
            {
                "ceiling": doc["ceilings"],
                "us_per_iteration_at_2000": {
                    r["backend"]: r["seconds_per_iteration"] * 1e6
                    for r in doc["records"]
                    if r["size"] == min(sizes("compare", rehearse))
                },
            },
        )
        problems += disagreements(doc["records"])
    return figures, problems


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
