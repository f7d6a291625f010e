"""Whether a problem's run fits in the memory this machine has free, checked before any
array is allocated."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from descent_bench.kernels import Problem

GIB = 2**30
# Runs of a problem a measurement holds at once: the row, and the float64 reference and the
# data the tutorial loop converts.
MEASURE_COPIES = 2


def available_bytes() -> int | None:
    """Memory the kernel says can be used without swapping (Linux ``MemAvailable``), else
    the free physical pages; None where neither is known."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def needed_bytes(problem: Problem, dtype: str, copies: int = 1) -> int:
    """Memory ``copies`` runs of ``problem`` hold at once."""
    return copies * problem.memory_bytes(np.dtype(dtype).itemsize)


def shortfall(problem: Problem, dtype: str, copies: int = 1) -> str | None:
    """Why ``copies`` runs of ``problem`` at once would not fit, or None if they would (or
    nothing is known of the free memory)."""
    need = needed_bytes(problem, dtype, copies)
    free = available_bytes()
    if free is None or need <= free:
        return None
    return (
        f"{problem.name} with {problem.size:,} {problem.size_label} needs about "
        f"{need / GIB:.1f} GiB ({dtype}); {free / GIB:.1f} GiB is available"
    )
