"""The checks of scripts/gpu-check.sh that are Python: each a subcommand, exit 1 with one line
per problem, so the shell script stops at the first failed check.

    python scripts/gpu_check.py preflight INFO.json INFO.stderr
    python scripts/gpu_check.py name INFO.json            # results/<name>/
    python scripts/gpu_check.py agreement COMPARE.json...
    python scripts/gpu_check.py timing OUT.json [--size N]
    python scripts/gpu_check.py ceiling COMPARE.json OUT.json
    python scripts/gpu_check.py readme OUTDIR COMMANDS.txt

Every check but ``timing`` and ``ceiling`` reads files only, so it can be tested on a CPU;
those two run backends, on whatever platform they are on.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path
from typing import Any

GPU_BACKENDS = ("jax", "cupy")
KS = (10, 100, 1000)
# µs/iter at K = 10, 100 and 1000 may differ by this factor (the fixed cost of a call is
# spread over K; a loop that syncs with the host every iteration does not get cheaper).
K_SPREAD = 1.5
# A device-event time and a host time with sync of the same call may differ by this factor.
CLOCK_SPREAD = 1.25
# The read ceiling against a copy kernel's bandwidth (bytes read + written per second).
CEILING_RANGE = (0.7, 1.6)


def load(path: str) -> Any:
    return json.loads(Path(path).read_text())


def preflight_problems(info: dict[str, Any], stderr: str, smi: str | None = None) -> list[str]:
    """Why this machine is not ready to measure GPUs: no NVIDIA driver (``smi``: the output
    of ``nvidia-smi -q``), jax not on a GPU, CuPy unusable, or a plugin that printed errors
    or warnings."""
    by_name = {b["name"]: b for b in info["backends"]}
    problems = []
    if smi is not None and "Driver Version" not in smi:
        problems.append(f"nvidia-smi -q shows no NVIDIA driver: {smi.strip()[:200]}")
    jax = by_name.get("jax")
    if jax is None or not jax["usable"]:
        problems.append(f"jax is unusable: {jax and jax['reason']}")
    elif jax["platform"] != "gpu":
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


def gpu_name(info: dict[str, Any]) -> str:
    """A folder name for the GPU in use: 'nvidia-h100-80gb-hbm3'; refuses a non-GPU."""
    for status in info["backends"]:
        if status["usable"] and status.get("platform") == "gpu" and status["accelerators"]:
            device = status["accelerators"][0]
            name = device.split(" ", 1)[1] if device.startswith("cuda:") else device
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
            if slug and not re.fullmatch(r"(cuda|gpu)-?\d*", slug):
                return slug
    raise SystemExit("gpu_check: no usable backend names a GPU model; refusing to name a folder")


def disagreements(records: list[dict[str, Any]]) -> list[str]:
    return [
        f"{r['backend']} {r['problem']} N={r['size']} {r['dtype']}: max rel diff "
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
    """The backend's own clock (CUDA events) and the host clock with sync must agree (a
    backend without an event clock has nothing to compare)."""
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


def time_backend(name: str, size: int) -> dict[str, Any]:
    """µs/iter of the backend's loop at each K, and one call's time on its own clock
    against the host clock with sync."""
    from descent_bench import backends, kernels

    backend = backends.load(name)
    problem = kernels.SineFit(points=size)
    lr = problem.stable_lr()
    problem, data, params = kernels.place(problem, backend, "float32", problem.initial_params())
    run = backend.compile_loop(problem.step)
    per_k = {}
    for k in KS:
        backend.sync(run(params, data, lr, k))  # compiles this K
        times = backend.time_calls(lambda k=k: run(params, data, lr, k), 5)
        per_k[k] = statistics.median(times) / k * 1e6
    k = KS[-1]
    calls = [backend.timed_call(lambda: run(params, data, lr, k)) for _ in range(5)]
    device = [c.device_seconds for c in calls if c.device_seconds is not None]
    return {
        "backend": name,
        "size": size,
        "us_per_iteration": per_k,
        "device_seconds": statistics.median(device) if device else None,
        "host_seconds": statistics.median(c.host_seconds for c in calls),
    }


def copy_gbytes_per_second(name: str, nbytes: int = 2**31) -> float:
    """A copy kernel's bandwidth on the backend's device: bytes read plus bytes written."""
    import numpy as np

    from descent_bench import backends

    backend = backends.load(name)
    source = backend.asarray(np.ones(nbytes // 4, dtype=np.float32), "float32")
    copy = backend.compile_step(lambda a: a * 1)
    backend.sync(copy(source))
    seconds = statistics.median(backend.time_calls(lambda: copy(source), 9))
    return 2 * (nbytes // 4 * 4) / seconds / 1e9


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="gpu_check.py")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("preflight")
    p.add_argument("info")
    p.add_argument("stderr")
    p.add_argument("--nvidia-smi", help="the output of nvidia-smi -q")
    commands.add_parser("name").add_argument("info")
    commands.add_parser("agreement").add_argument("files", nargs="+")
    p = commands.add_parser("timing")
    p.add_argument("out")
    p.add_argument("--size", type=int, default=10**6)
    p.add_argument("--backends", default=",".join(GPU_BACKENDS))
    p = commands.add_parser("ceiling")
    p.add_argument("compare")
    p.add_argument("out")
    p.add_argument("--backend", default="cupy")
    p = commands.add_parser("readme")
    p.add_argument("outdir")
    p.add_argument("commands")
    args = parser.parse_args(argv)

    problems: list[str] = []
    if args.command == "preflight":
        smi = Path(args.nvidia_smi).read_text() if args.nvidia_smi else None
        problems = preflight_problems(load(args.info), Path(args.stderr).read_text(), smi)
    elif args.command == "name":
        print(gpu_name(load(args.info)))
    elif args.command == "agreement":
        for path in args.files:
            problems += disagreements(load(path)["records"])
    elif args.command == "timing":
        rows = [time_backend(name, args.size) for name in args.backends.split(",")]
        Path(args.out).write_text(json.dumps(rows, indent=1))
        for row in rows:
            problems += k_problems(row["backend"], row["us_per_iteration"])
            problems += clock_problems(row["backend"], row["device_seconds"], row["host_seconds"])
    elif args.command == "ceiling":
        ceilings = load(args.compare)["ceilings"]
        copy = copy_gbytes_per_second(args.backend)
        gpu = ceilings.get("gpu", {}).get("gbytes_per_second")
        Path(args.out).write_text(json.dumps({"ceiling": gpu, "copy": copy}, indent=1))
        problems = ["no gpu ceiling in the comparison"] if gpu is None else []
        problems += ceiling_problems(gpu, copy, "gpu") if gpu is not None else []
    elif args.command == "readme":
        write_readme(Path(args.outdir), Path(args.commands).read_text())
    for problem in problems:
        print(f"gpu-check: {problem}", file=sys.stderr)
    return 1 if problems else 0


def write_readme(folder: Path, commands: str) -> None:
    (folder / "README.md").write_text(
        "# First contact with this GPU\n\n"
        "Written by `scripts/gpu-check.sh`. Every command it ran, in order:\n\n"
        "```\n" + commands.strip() + "\n```\n"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
