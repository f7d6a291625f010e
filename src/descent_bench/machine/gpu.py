"""The GPU a result was measured on: the device used, not every visible one.

Read from NVML (``pynvml``, the nvidia-ml-py package) where it is installed, else from CuPy's
runtime API, else from jax's device attributes; each source fills what it knows and leaves
the rest None. No GPU in use: ``GpuInfo()``, every field None. The CuPy version is recorded
only when CuPy is usable. NVML numbers devices physically; the device used is the first of
``CUDA_VISIBLE_DEVICES`` (an index or a UUID), as CUDA numbers them.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, TypeVar

from descent_bench.backends import BackendStatus

T = TypeVar("T")
# Settings that change what a GPU row measures, recorded with it.
ENVIRONMENT = (
    "CUDA_VISIBLE_DEVICES",
    "CUPY_TF32",
    "JAX_PLATFORMS",
    "XLA_PYTHON_CLIENT_PREALLOCATE",
    "XLA_PYTHON_CLIENT_MEM_FRACTION",
    "XLA_PYTHON_CLIENT_ALLOCATOR",
    "XLA_FLAGS",
    "NVIDIA_TF32_OVERRIDE",
)


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
    power_limit_watts: float | None = None
    ecc: bool | None = None
    mig: bool | None = None
    cupy: str | None = None  # CuPy's version, only when CuPy is usable
    environment: dict[str, str] = field(default_factory=dict)


def _try(read: Callable[[], T]) -> T | None:
    """``read()``, or None where the source cannot say (not supported, no permission)."""
    try:
        return read()
    except Exception:
        return None


def cuda_version(number: int | None) -> str | None:
    """CUDA's integer version (12080) as text (12.8)."""
    return None if number is None else f"{number // 1000}.{number % 1000 // 10}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def nvml_handle(nvml: Any, visible: str | None) -> Any:
    """NVML's handle of the device CUDA calls 0."""
    first = (visible or "0").split(",")[0].strip()
    if first.isdigit():
        return nvml.nvmlDeviceGetHandleByIndex(int(first))
    return nvml.nvmlDeviceGetHandleByUUID(first)


def from_nvml(nvml: Any, visible: str | None) -> GpuInfo:
    """The device used, from NVML (``pynvml``); raises if NVML cannot start."""
    nvml.nvmlInit()
    try:
        h = nvml_handle(nvml, visible)
        capability = _try(lambda: nvml.nvmlDeviceGetCudaComputeCapability(h))
        power = _try(lambda: nvml.nvmlDeviceGetPowerManagementLimit(h))
        ecc = _try(lambda: nvml.nvmlDeviceGetEccMode(h))
        mig = _try(lambda: nvml.nvmlDeviceGetMigMode(h))
        return GpuInfo(
            source="nvml",
            name=_try(lambda: _text(nvml.nvmlDeviceGetName(h))),
            driver=_try(lambda: _text(nvml.nvmlSystemGetDriverVersion())),
            compute_capability=f"{capability[0]}.{capability[1]}" if capability else None,
            memory_bytes=_try(lambda: int(nvml.nvmlDeviceGetMemoryInfo(h).total)),
            max_sm_clock_mhz=_try(
                lambda: int(nvml.nvmlDeviceGetMaxClockInfo(h, nvml.NVML_CLOCK_SM))
            ),
            max_memory_clock_mhz=_try(
                lambda: int(nvml.nvmlDeviceGetMaxClockInfo(h, nvml.NVML_CLOCK_MEM))
            ),
            power_limit_watts=None if power is None else power / 1000,
            ecc=None if ecc is None else bool(ecc[0]),
            mig=None if mig is None else bool(mig[0]),
        )
    finally:
        _try(nvml.nvmlShutdown)


def from_cupy(cupy: Any) -> GpuInfo:
    """The current CUDA device, from CuPy's runtime API."""
    runtime = cupy.cuda.runtime
    index = cupy.cuda.Device().id
    props = runtime.getDeviceProperties(index)
    clock, memory_clock = props.get("clockRate"), props.get("memoryClockRate")  # kHz
    ecc = props.get("ECCEnabled")
    return GpuInfo(
        source="cupy",
        name=_text(props["name"]),
        driver=cuda_version(_try(runtime.driverGetVersion)),
        cuda_runtime=cuda_version(_try(runtime.runtimeGetVersion)),
        compute_capability=f"{props['major']}.{props['minor']}",
        memory_bytes=props.get("totalGlobalMem"),
        max_sm_clock_mhz=None if clock is None else clock // 1000,
        max_memory_clock_mhz=None if memory_clock is None else memory_clock // 1000,
        ecc=None if ecc is None else bool(ecc),
    )


def from_jax(device: Any) -> GpuInfo:
    """A jax GPU device's own attributes (fewer: no driver, clocks or power limit)."""
    stats = _try(device.memory_stats) or {}
    version = _try(lambda: str(device.client.platform_version))
    return GpuInfo(
        source="jax",
        name=getattr(device, "device_kind", None),
        cuda_runtime=version,
        compute_capability=getattr(device, "compute_capability", None),
        memory_bytes=stats.get("bytes_limit"),
    )


def merged(first: GpuInfo, second: GpuInfo) -> GpuInfo:
    """``first``, its missing fields filled from ``second``."""
    filled = {k: v for k, v in asdict(second).items() if getattr(first, k) is None}
    return replace(first, **filled)


def used_gpu(statuses: list[BackendStatus]) -> GpuInfo:
    """The GPU the usable backends run on (device 0 as CUDA numbers them), from the best
    source installed; ``GpuInfo()`` where no usable backend is on a GPU."""
    on_gpu = {s.name for s in statuses if s.usable and s.platform == "gpu"}
    if not on_gpu:
        return GpuInfo()
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    readers: list[Callable[[], GpuInfo]] = []
    nvml = _try(lambda: importlib.import_module("pynvml"))
    if nvml is not None:
        readers.append(lambda: from_nvml(nvml, visible))
    cupy_version = None
    if "cupy" in on_gpu:
        cupy = importlib.import_module("cupy")
        cupy_version = str(cupy.__version__)
        readers.append(lambda: from_cupy(cupy))
    if "jax" in on_gpu:
        jax = importlib.import_module("jax")
        readers.append(lambda: from_jax(jax.devices()[0]))
    info = GpuInfo()
    for read in readers:  # the best source first; later ones fill its gaps
        got = _try(read)
        info = info if got is None else merged(info, got)
    environment = {k: os.environ[k] for k in ENVIRONMENT if k in os.environ}
    return replace(info, cupy=cupy_version, environment=environment)


def describe_used(statuses: list[BackendStatus]) -> dict[str, Any]:
    """``used_gpu`` as a JSON-ready dict (the machine block's ``gpu_used``)."""
    return asdict(used_gpu(statuses))
