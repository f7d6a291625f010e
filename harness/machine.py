"""What a result was measured on: processor, GPUs, library versions, commit."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import backends


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def describe(statuses: list[backends.BackendStatus]) -> dict[str, Any]:
    gpus = sorted({d for s in statuses if s.usable and s.name == "cupy" for d in s.devices})
    gpus += sorted(
        {
            d
            for s in statuses
            if s.usable and s.name == "jax"
            for d in s.devices
            if not d.startswith("cpu") and not d.startswith("TFRT_CPU")
        }
    )
    return {
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "gpu": gpus or None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "libraries": {s.name: s.version for s in statuses},
        "commit": git_commit(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
