"""What a result was measured on: processor, accelerators, library versions, commit."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from descent_bench import __version__
from descent_bench.backends import BackendStatus
from descent_bench.machine import gpu


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


def describe(statuses: list[BackendStatus], libraries: dict[str, str]) -> dict[str, Any]:
    """The machine block of a result: the accelerators of the backends in ``statuses`` (those
    a run used), the installed ``libraries``' versions, the processor and more."""
    gpus = list(dict.fromkeys(d for s in statuses if s.usable for d in s.accelerators))
    return {
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "gpu": gpus or None,
        "gpu_used": gpu.describe_used(statuses),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "descent_bench": __version__,
        "libraries": libraries,
        "commit": git_commit(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
