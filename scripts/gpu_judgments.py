"""The judgments of the GPU check, on data alone (tested on the CPU): is the machine ready
(``preflight_problems``), what is the GPU called (``gpu_name``), which rows disagree, whether
µs/iter holds over K, whether the two clocks agree, whether the ceiling is plausible, and
whether asv's matrix is set as its configuration says."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

# µs/iter at K = 10, 100 and 1000 may differ by this factor (the fixed cost of a call is
# spread over K; a loop that syncs with the host every iteration does not get cheaper).
K_SPREAD = 1.5
# A device-event time and a host time with sync of the same call may differ by this factor.
CLOCK_SPREAD = 1.25
# The read ceiling against a copy kernel's bandwidth (bytes read + written per second).
CEILING_RANGE = (0.7, 1.6)


def preflight_problems(
    info: dict[str, Any], smi: str | None = None, rehearse: bool = False
) -> list[str]:
    """Why this machine is not ready to measure GPUs: no NVIDIA driver (``smi``: the output
    of ``nvidia-smi -q``), jax not on a GPU, CuPy unusable, or a backend that reported a
    warning. Log lines on stderr are kept, not judged (XLA prints "warning" lines on a
    healthy GPU): a failing command fails by its exit status. Rehearsing, jax on the CPU
    stands in and no driver is expected."""
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
    return problems


def device_model(device: str) -> str:
    """The model in a device string: 'cuda:0 NVIDIA H200' -> 'NVIDIA H200'; a bare 'cuda:0'
    (jax's) names no model: ''."""
    match = re.fullmatch(r"(?:cuda|gpu):\d+(?:\s+(.*))?", device.strip())
    return (match.group(1) or "").strip() if match else device.strip()


def gpu_model(info: dict[str, Any]) -> str | None:
    """The GPU's model as the first usable backend on a GPU that names one gives it (jax's
    bare 'cuda:0' names none), e.g. 'NVIDIA H200'; None where none does."""
    for status in info["backends"]:
        if status["usable"] and status.get("platform") == "gpu":
            for device in status["accelerators"]:
                model = device_model(device)
                slug = re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-")
                if slug and not re.fullmatch(r"(cuda|gpu)-?\d*", slug):
                    return model
    return None


def gpu_name(info: dict[str, Any]) -> str:
    """A folder name for the GPU in use, from its model ('NVIDIA H200' -> 'nvidia-h200');
    refuses where no usable backend names a GPU model."""
    model = gpu_model(info)
    if model is None:
        raise SystemExit(
            "gpu_check: no usable backend names a GPU model; refusing to name a folder"
        )
    return re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-")


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


def asv_guard_problems(config: str, environ: dict[str, str]) -> list[str]:
    """Why ``asv run --python=same`` with ``config`` would save rows under the wrong
    platform: a matrix variable not set as the configuration says."""
    return [
        f"{k}={environ.get(k)!r} but {config} says {v!r} (export it: python3 "
        f"scripts/gpu_check.py asv-env {config})"
        for k, v in asv_env(config).items()
        if environ.get(k) != v
    ]


def asv_env(config: str) -> dict[str, str]:
    """The environment variables asv's matrix sets (``env_nobuild``, one value each):
    with --python=same asv ignores the matrix, so the caller must set them."""
    text = re.sub(r"^\s*//.*$", "", Path(config).read_text(), flags=re.MULTILINE)
    matrix = json.loads(text).get("matrix", {})
    variables = {**matrix.get("env", {}), **matrix.get("env_nobuild", {})}
    return {k: v[0] if isinstance(v, list) else str(v) for k, v in variables.items()}
