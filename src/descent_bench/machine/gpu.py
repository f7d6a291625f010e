"""The GPU a result was measured on: the device used, not every visible one.

Read from NVML (``pynvml``, the nvidia-ml-py package) where it is installed, then from what
each backend on the GPU says of its device (``Backend.gpu_facts``); each source fills what
it knows and leaves the rest None. No GPU in use: ``GpuInfo()``, every field None. NVML
numbers devices physically; the device used is the first of ``CUDA_VISIBLE_DEVICES`` (an
index or a UUID), as CUDA numbers them.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from descent_bench import backends
from descent_bench.backends import BackendStatus
from descent_bench.backends.gpu_facts import GpuInfo, attempt, merged, text

# Settings that change what any GPU row measures, recorded with it (each backend adds its
# own: ``Backend.recorded_environment``).
ENVIRONMENT = ("CUDA_VISIBLE_DEVICES", "NVIDIA_TF32_OVERRIDE")


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
        capability = attempt(lambda: nvml.nvmlDeviceGetCudaComputeCapability(h))
        power = attempt(lambda: nvml.nvmlDeviceGetPowerManagementLimit(h))
        ecc = attempt(lambda: nvml.nvmlDeviceGetEccMode(h))
        mig = attempt(lambda: nvml.nvmlDeviceGetMigMode(h))
        return GpuInfo(
            source="nvml",
            name=attempt(lambda: text(nvml.nvmlDeviceGetName(h))),
            driver=attempt(lambda: text(nvml.nvmlSystemGetDriverVersion())),
            compute_capability=f"{capability[0]}.{capability[1]}" if capability else None,
            memory_bytes=attempt(lambda: int(nvml.nvmlDeviceGetMemoryInfo(h).total)),
            max_sm_clock_mhz=attempt(
                lambda: int(nvml.nvmlDeviceGetMaxClockInfo(h, nvml.NVML_CLOCK_SM))
            ),
            max_memory_clock_mhz=attempt(
                lambda: int(nvml.nvmlDeviceGetMaxClockInfo(h, nvml.NVML_CLOCK_MEM))
            ),
            memory_bus_bits=attempt(lambda: int(nvml.nvmlDeviceGetMemoryBusWidth(h))),
            power_limit_watts=None if power is None else power / 1000,
            ecc=None if ecc is None else bool(ecc[0]),
            mig=None if mig is None else bool(mig[0]),
        )
    finally:
        attempt(nvml.nvmlShutdown)


def recorded_environment() -> dict[str, str]:
    """The settings that change what a GPU row measures, as this process has them."""
    names = [
        *ENVIRONMENT,
        *(v for n in backends.names() for v in backends.get(n).recorded_environment),
    ]
    return {k: os.environ[k] for k in dict.fromkeys(names) if k in os.environ}


def used_gpu(statuses: list[BackendStatus]) -> GpuInfo:
    """The GPU the usable backends run on (device 0 as CUDA numbers them), from the best
    source installed; ``GpuInfo()`` where no usable backend is on a GPU."""
    on_gpu = [s.name for s in statuses if s.usable and s.platform == "gpu"]
    if not on_gpu:
        return GpuInfo()
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    readers: list[Callable[[], GpuInfo | None]] = []
    nvml = attempt(lambda: importlib.import_module("pynvml"))
    if nvml is not None:
        readers.append(lambda: from_nvml(nvml, visible))
    readers += [backends.get(name).gpu_facts for name in on_gpu]
    info = GpuInfo()
    for read in readers:  # the best source first; later ones fill its gaps
        got = attempt(read)
        info = info if got is None else merged(info, got)
    return replace(info, environment=recorded_environment())


def describe_used(statuses: list[BackendStatus]) -> dict[str, Any]:
    """``used_gpu`` as a JSON-ready dict (the machine block's ``gpu_used``)."""
    return asdict(used_gpu(statuses))
