"""scripts/gpu-check.sh's driver: the steps in order of value, each in its own process with
its own time limit, whatever failed before it; stdout and stderr kept per step; a summary.

    python3 scripts/gpu_run.py [--rehearse] OUTDIR   # the run (exit 1 names failed steps)
    python3 scripts/gpu_run.py --save OUTDIR         # results/<gpu>/ from a run's OUTDIR

OUTDIR receives at most 8 files: summary.md, figures.json, compare-float32.json,
compare-float64.json, compare-float32.png and logs.tar.gz (every step's output, the
commands, nvidia-smi -q, info --json). ``GPU_CHECK_FAIL=STEP`` makes that step fail without
running (the rehearsal's test of keep-going); ``GPU_CHECK_TIMEOUT=STEP`` makes that step
hang half-way through its rows and reach its limit (20 s), its rows so far kept. Exit
codes: 0 all passed, 1 a step failed or timed out, 2 bad arguments.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gpu_check
import gpu_rows
import gpu_summary
from gpu_process import head_commit, run_in_group

ROOT = Path(__file__).resolve().parents[1]
STAND_IN_CUPY = ROOT / "tests" / "stand_ins" / "cupy_package"
DEADLINE_SECONDS = 345  # the whole run, on a GPU; later steps get what is left
LOG_LIMIT = 2 * 2**20  # bytes kept of a step's output
KEPT = ("compare-float32.json", "compare-float64.json", "compare-float32.png")
# Steps that write their rows as they go (``gpu_rows``): GPU_CHECK_TIMEOUT may stall one.
ROW_STEPS = ("agreement", "timing", "compare", "ceiling")
STALLED_LIMIT = 20  # seconds: the stalled step's limit in a rehearsal of the bad day
GPU_TESTS = [
    "tests/test_cupy_glue.py",
    "tests/test_environment.py",
    "tests/test_gpu_metadata.py",
    "tests/test_gpu_check.py",
]


@dataclass
class Step:
    name: str
    what: str
    limit: int  # seconds at most
    optional: bool = False
    outcome: str = "skipped"
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)


def steps() -> list[Step]:
    return [
        Step("machine", "nvidia-smi -q, driver, clocks and throttle state before", 30),
        Step("info", "descent-bench info --json; the GPU paths really on the GPU", 60),
        Step("agreement", "every GPU row against the reference, both dtypes", 90),
        Step("timing", "µs/iter alike at K = 10, 100, 1000; device events vs host clock", 45),
        Step("compare", "compare, float32 and float64, N = 2e3 .. 1e7", 100),
        Step(
            "ceiling", "copy kernel, nominal peak, every GPU row at N = 1e8; fused vs standard", 100
        ),
        Step("tests", "the GPU-relevant tests", 60),
        Step("asv", "a quick asv run of one benchmark (CUDA configuration)", 60, optional=True),
        Step("after", "clocks and throttle state after", 20),
    ]


def environment(rehearse: bool) -> dict[str, str]:
    env = dict(os.environ)
    if rehearse:  # the stand-in CuPy; the CPU standing in for jax's and torch's CUDA rows
        path = [str(STAND_IN_CUPY), str(ROOT / "src"), env.get("PYTHONPATH", "")]
        env["PYTHONPATH"] = os.pathsep.join(p for p in path if p)
        env["JAX_PLATFORMS"] = "cpu"
        env["CUDA_VISIBLE_DEVICES"] = ""
    env.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    return env


def commands(step: Step, work: Path, rehearse: bool) -> list[list[str]]:
    python = sys.executable
    if step.name == "tests":
        files = ["tests/test_gpu_metadata.py"] if rehearse else GPU_TESTS
        return [
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files, "-k", "not rehearsal"]
        ]
    if step.name == "asv":
        guard = [python, "scripts/gpu_check.py", "asv-guard", "asv.cuda.conf.json"]
        if rehearse:
            return [guard]
        name = gpu_summary.figure(work, "info", "gpu") or "unnamed-gpu"
        bench = "^bench_descent\\.SineFit\\.time_run"
        asv = [python, "-m", "asv"]  # a --target install puts no asv script on PATH
        commit = head_commit()
        if commit is None:  # the device copy may be a bare working tree
            return [[python, "-c", "print('asv skipped: this copy has no git metadata')"]]
        return [
            guard,
            [*asv, "machine", "--config", "asv.cuda.conf.json", "--yes", "--machine", name],
            [
                *asv,
                "run",
                "--config",
                "asv.cuda.conf.json",
                "--python=same",
                f"--set-commit-hash={commit}",  # without it --python=same saves nothing
                "--quick",
                "--show-stderr",
                "--machine",
                name,
                "-b",
                bench,
            ],
        ]
    flags = ["--rehearse"] if rehearse else []
    return [[python, "scripts/gpu_check.py", step.name, str(work), *flags]]


def shown(argv: list[str], work: Path) -> str:
    """A command as the summary shows it: ``python3``, paths relative to OUTDIR."""
    line = shlex.join(["python3" if a == sys.executable else a for a in argv])
    return line.replace(str(work), "raw")


def run_step(step: Step, work: Path, env: dict[str, str], limit: float, rehearse: bool) -> None:
    log = work / f"{step.name}.log"
    start = time.monotonic()
    with log.open("w") as out:
        for argv in commands(step, work, rehearse):
            with (work / "commands.txt").open("a") as listed:
                listed.write(shown(argv, work) + "\n")
            out.write(f"$ {shlex.join(argv)}\n")
            out.flush()
            left = limit - (time.monotonic() - start)
            try:
                returncode = run_in_group(argv, env, out, max(1.0, left))
            except subprocess.TimeoutExpired:
                step.outcome = "fail"
                step.problems.append(timed_out(step, work, limit))
                break
            except OSError as exc:
                step.outcome = "fail"
                step.problems.append(f"{argv[0]}: {exc}")
                break
            if returncode != 0:
                step.outcome = "fail"
                step.problems.append(f"{shown(argv, work)} exited {returncode}")
                break
        else:
            step.outcome = "pass"
    step.seconds = time.monotonic() - start
    result = work / f"step-{step.name}.json"
    if result.exists():
        saved = json.loads(result.read_text())
        step.figures = saved.get("figures", {})
        step.problems = saved.get("problems", []) or step.problems
    else:  # ended before its result: what it measured so far, row by row
        _, written = gpu_rows.read(work, step.name)
        step.figures = partial_figures(written)
        step.problems += [r["problem"] for r in written.get("failed", [])]
    if step.outcome == "fail" and not step.problems:
        step.problems.append("failed (see its log)")


def timed_out(step: Step, work: Path, limit: float) -> str:
    planned, written = gpu_rows.read(work, step.name)
    done = sum(len(rows) for rows in written.values())
    rows = f" after {done} of {planned} rows" if planned is not None else ""
    return f"timed out{rows} at its limit of {limit:.0f} s"


def partial_figures(written: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """A step's figures from the rows it wrote before it was ended (``gpu_rows``)."""
    figures: dict[str, Any] = {k: v for k, v in written.items() if k not in ("failed", "copies")}
    for kind in [k for k in figures if k.startswith("=")]:  # a figure of its own, not a list
        figures[kind[1:]] = figures.pop(kind)[-1]
    if "copies" in written:
        figures["copy_gbytes_per_second"] = {
            c["backend"]: c["gbytes_per_second"] for c in written["copies"]
        }
    return figures


def run(outdir: Path, rehearse: bool) -> int:
    forced = os.environ.get("GPU_CHECK_FAIL", "")
    stalled = os.environ.get("GPU_CHECK_TIMEOUT", "")
    plan = steps()
    for variable, value, allowed in (
        ("GPU_CHECK_FAIL", forced, [s.name for s in plan]),
        ("GPU_CHECK_TIMEOUT", stalled, list(ROW_STEPS)),
    ):
        if value and value not in allowed:
            print(
                f"gpu-check: {variable}={value} is no step (choose from {', '.join(allowed)})",
                file=sys.stderr,
            )
            return 2
    outdir.mkdir(parents=True, exist_ok=True)
    work = outdir / "raw"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    env = environment(rehearse)
    asv_env = {**env, **gpu_check.asv_env(str(ROOT / "asv.cuda.conf.json"))}
    began = time.monotonic()
    for step in plan:
        left = DEADLINE_SECONDS - (time.monotonic() - began)
        reserve = 20 if step.name != "after" else 0
        print(f"== {step.name}: {step.what}", file=sys.stderr, flush=True)
        if step.name == forced:
            step.outcome, step.problems = "fail", [f"made to fail (GPU_CHECK_FAIL={forced})"]
        elif left - reserve < 5:
            step.outcome, step.problems = "skipped", ["out of time"]
        else:
            chosen = asv_env if step.name == "asv" else env  # --python=same ignores the matrix
            limit = min(step.limit, left - reserve)
            if step.name == stalled:  # it hangs half-way: its limit comes soon
                limit = min(limit, STALLED_LIMIT)
            run_step(step, work, chosen, limit, rehearse)
        print(f"   {step.outcome} ({step.seconds:.0f} s)", file=sys.stderr, flush=True)
    total = time.monotonic() - began
    (outdir / "summary.md").write_text(gpu_summary.markdown(plan, rehearse, total))
    figures = {
        s.name: {
            "outcome": s.outcome,
            "seconds": s.seconds,
            "problems": s.problems,
            "figures": s.figures,
        }
        for s in plan
    }
    (outdir / "figures.json").write_text(
        json.dumps({"rehearsal": rehearse, "steps": figures}, indent=1, default=str)
    )
    for name in KEPT:
        if (work / name).exists():
            shutil.move(work / name, outdir / name)
    with tarfile.open(outdir / "logs.tar.gz", "w:gz") as archive:
        for path in sorted(work.iterdir()):
            if path.stat().st_size > LOG_LIMIT:
                with path.open("rb+") as f:
                    f.truncate(LOG_LIMIT)
            archive.add(path, arcname=f"logs/{path.name}")
    shutil.rmtree(work)
    failed = [s.name for s in plan if s.outcome == "fail" and not s.optional]
    if failed:
        print(f"gpu-check: failed: {', '.join(failed)} (see {outdir}/summary.md)", file=sys.stderr)
        return 1
    print(f"gpu-check: every step passed ({total:.0f} s); {outdir}/summary.md", file=sys.stderr)
    return 0


def save(outdir: Path) -> int:
    """results/<gpu>/ from a run's OUTDIR; refuses a rehearsal or a run that named no GPU."""
    try:
        doc = json.loads((outdir / "figures.json").read_text())
    except (OSError, ValueError) as exc:
        print(f"gpu-check: {outdir} holds no run of gpu-check ({exc})", file=sys.stderr)
        return 2
    name = doc["steps"].get("info", {}).get("figures", {}).get("gpu")
    if doc.get("rehearsal") or not name:
        print(
            f"gpu-check: {outdir} is a rehearsal or named no GPU: nothing to save", file=sys.stderr
        )
        return 2
    target = ROOT / "results" / name
    target.mkdir(parents=True, exist_ok=True)
    for file in ("summary.md", "figures.json", *KEPT):
        if (outdir / file).exists():
            shutil.copy2(outdir / file, target / file)
    print(f"gpu-check: wrote {target.relative_to(ROOT)}/", file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    flags = [a for a in argv if a.startswith("--")]
    rest = [a for a in argv if not a.startswith("--")]
    if len(rest) != 1 or not set(flags) <= {"--rehearse", "--save"} or len(flags) > 1:
        print("usage: scripts/gpu-check.sh [--rehearse | --save] OUTDIR", file=sys.stderr)
        return 2
    outdir = Path(rest[0]).resolve()
    if "--save" in flags:
        return save(outdir)
    return run(outdir, "--rehearse" in flags)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
