"""CuPy on a CUDA GPU through ``array_api_compat.cupy``: eager steps in a Python loop.

Loading runs a tiny elementwise kernel, so that a CuPy that imports but cannot compile or
launch (CuPy 14 wheels carry no CUDA libraries: its ``ctk`` extra, or a CUDA toolkit, does)
is unusable with the real cause, not a traceback at the first measurement. float32 matrix
products use TF32 only when the user sets ``CUPY_TF32=1`` (CuPy reads it; off by default);
``matmul_precision`` says which.

The kernel's residual moments are one generated CUDA kernel (``fused``): one pass over
x and y per iteration instead of d + 2. ``cupy-standard`` (``standard_only``) is the same
backend computing them with the array API standard alone, measured beside it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from descent_bench.backends.base import Backend, BackendUnavailable
from descent_bench.backends.calls import CallTime, one_line
from descent_bench.backends.cupy.fused import FusedOps
from descent_bench.backends.gpu_facts import GpuInfo, attempt, cuda_version, text

INSTALL_HINT = (
    "pip install 'descent-bench[cuda12]' or 'descent-bench[cuda13]' on a machine with an NVIDIA GPU"
)


def probe_kernel(cupy: Any) -> None:
    """Compile and run a tiny elementwise kernel; raise ``BackendUnavailable`` with the
    cause (no device, an old driver, no NVRTC) if CuPy cannot."""
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDARuntimeError: e.g. cudaErrorInsufficientDriver
        raise BackendUnavailable(f"cupy cannot reach a CUDA device: {one_line(exc)}") from exc
    if count < 1:
        raise BackendUnavailable("cupy sees no CUDA device (CUDA_VISIBLE_DEVICES?)")
    try:
        double = cupy.ElementwiseKernel("T x", "T y", "y = x * 2", "descent_bench_probe")
        got = cupy.asnumpy(double(cupy.arange(4, dtype=cupy.float32)))
    except Exception as exc:  # CompileException, a missing libnvrtc, a launch failure
        raise BackendUnavailable(
            f"cupy cannot compile and run a kernel: {one_line(exc)} (CuPy needs the CUDA "
            f"libraries: {INSTALL_HINT}, whose extras install them)"
        ) from exc
    if np.asarray(got).tolist() != [0.0, 2.0, 4.0, 6.0]:
        raise BackendUnavailable(f"cupy's test kernel computed {got}, not [0, 2, 4, 6]")


class CupyBackend(Backend):
    name = "cupy"
    distribution = "cupy"
    faster_ops = FusedOps
    recorded_environment = ("CUPY_TF32",)

    def _load(self) -> None:
        try:
            import cupy
        except Exception as exc:  # ImportError, or CUDA libraries that fail to load
            raise BackendUnavailable(f"cupy is not installed ({INSTALL_HINT}): {exc}") from exc
        probe_kernel(cupy)

    @property
    def platform(self) -> str:
        return "gpu"

    def platform_reason(self) -> str:
        return f"a CUDA library: its arrays are on device {self.device.id}"

    def matmul_precision(self) -> str:
        return "tf32 (CUPY_TF32=1)" if os.environ.get("CUPY_TF32") == "1" else "full"

    def accelerators(self) -> list[str]:
        return self.devices()

    def gpu_facts(self) -> GpuInfo:
        import cupy

        return replace(runtime_facts(cupy), cupy=str(cupy.__version__))

    def accumulation_dtype(self, dtype: str, form: str | None, points: int) -> str:
        """The fused kernel keeps float64 accumulators; CuPy's own reductions (a tree per
        block) run in the input type."""
        return "float64" if self.fused and form == "elementwise" else dtype

    def version(self) -> str | None:
        try:
            import cupy
        except Exception:
            return None
        return str(cupy.__version__)

    @property
    def xp(self) -> Any:
        import array_api_compat.cupy

        return array_api_compat.cupy

    def gradient_form(self, size: int) -> str:
        """The elementwise phrasing at every size: the one whose moments the fused kernel
        computes in one pass (the standard-only variant keeps the default)."""
        return "elementwise" if self.fused else super().gradient_form(size)

    @property
    def device(self) -> Any:
        import cupy

        return cupy.cuda.Device()

    def devices(self) -> list[str]:
        import cupy

        names: list[str] = []
        for i in range(cupy.cuda.runtime.getDeviceCount()):
            props = cupy.cuda.runtime.getDeviceProperties(i)
            names.append(f"cuda:{i} {props['name'].decode()}")
        return names

    def asarray(self, host: np.ndarray, dtype: str) -> Any:
        import cupy

        self.load()
        return cupy.asarray(np.asarray(host, dtype=dtype))

    def to_numpy(self, array: Any) -> np.ndarray:
        import cupy

        return np.asarray(cupy.asnumpy(array))

    def timed_call(self, fn: Callable[[], Any]) -> CallTime:
        """Host seconds around the call and its sync (the clock every row is compared on),
        and the GPU's own time of the call from CUDA events recorded around it."""
        import cupy

        stream = cupy.cuda.get_current_stream()
        begin, end = cupy.cuda.Event(), cupy.cuda.Event()
        start = time.perf_counter()
        begin.record(stream)
        fn()
        end.record(stream)
        end.synchronize()
        host = time.perf_counter() - start
        return CallTime(host, float(cupy.cuda.get_elapsed_time(begin, end)) / 1e3)

    def sync(self, result: Any) -> Any:
        import cupy

        cupy.cuda.get_current_stream().synchronize()
        return result


def runtime_facts(cupy: Any) -> GpuInfo:
    """The current CUDA device, from CuPy's runtime API."""
    runtime = cupy.cuda.runtime
    index = cupy.cuda.Device().id
    props = runtime.getDeviceProperties(index)
    clock, memory_clock = props.get("clockRate"), props.get("memoryClockRate")  # kHz
    ecc = props.get("ECCEnabled")
    return GpuInfo(
        source="cupy",
        name=text(props["name"]),
        driver=cuda_version(attempt(runtime.driverGetVersion)),
        cuda_runtime=cuda_version(attempt(runtime.runtimeGetVersion)),
        compute_capability=f"{props['major']}.{props['minor']}",
        memory_bytes=props.get("totalGlobalMem"),
        max_sm_clock_mhz=None if clock is None else clock // 1000,
        max_memory_clock_mhz=None if memory_clock is None else memory_clock // 1000,
        memory_bus_bits=props.get("memoryBusWidth"),
        sm_count=props.get("multiProcessorCount"),
        l2_bytes=props.get("l2CacheSize"),
        ecc=None if ecc is None else bool(ecc),
    )
