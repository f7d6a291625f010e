"""What every gpu-check step shares: the sizes per step (on a GPU, and rehearsing on the CPU),
the dtypes, how a step's result is shaped, and how it calls the command line and NVML."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

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


# What a step returns: (figures, problems).
Result = tuple[dict[str, Any], list[str]]
