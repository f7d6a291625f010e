"""What a backend can say of the GPU it runs on (``Backend.gpu_facts``), as one record
the machine description merges with what NVML says (``machine.gpu``): each source fills what
it knows and leaves the rest None."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class GpuInfo:
    source: str | None = None  # "nvml", "cupy" or "jax"
    name: str | None = None
    driver: str | None = None
    cuda_runtime: str | None = None
    compute_capability: str | None = None  # e.g. "9.0"
    memory_bytes: int | None = None
    max_sm_clock_mhz: int | None = None
    max_memory_clock_mhz: int | None = None
    memory_bus_bits: int | None = None  # the memory bus's width
    sm_count: int | None = None  # streaming multiprocessors
    l2_bytes: int | None = None
    power_limit_watts: float | None = None
    ecc: bool | None = None
    mig: bool | None = None
    cupy: str | None = None  # CuPy's version, only when CuPy is usable (its hook says)
    environment: dict[str, str] = field(default_factory=dict)


def attempt(read: Callable[[], T]) -> T | None:
    """``read()``, or None where the source cannot say (not supported, no permission)."""
    try:
        return read()
    except Exception:
        return None


def cuda_version(number: int | None) -> str | None:
    """CUDA's integer version (12080) as text (12.8)."""
    return None if number is None else f"{number // 1000}.{number % 1000 // 10}"


def text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def merged(first: GpuInfo, second: GpuInfo) -> GpuInfo:
    """``first``, its missing fields filled from ``second``."""
    filled = {k: v for k, v in asdict(second).items() if getattr(first, k) is None}
    return replace(first, **filled)
