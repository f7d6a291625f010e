"""CuPy on a CUDA GPU through ``array_api_compat.cupy``: eager steps in a Python loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from descent_bench.backends.base import Backend, BackendUnavailable


class CupyBackend(Backend):
    name = "cupy"
    distribution = "cupy"
    loop_kind = "Python loop of eager steps, each a few CUDA kernel launches"
    clock = "cuda-event"  # cupyx.profiler.benchmark: CUDA events around each call

    def _load(self) -> None:
        try:
            import cupy
        except Exception as exc:  # ImportError, or CUDA libraries that fail to load
            raise BackendUnavailable(
                "cupy is not installed (pip install 'descent-bench[cuda12]' or "
                f"'descent-bench[cuda13]' on a machine with an NVIDIA GPU): {exc}"
            ) from exc
        if not cupy.cuda.is_available():
            raise BackendUnavailable(
                "cupy is installed but no CUDA device is available (cupy.cuda.is_available() "
                "is False)"
            )

    naive_label = "cupy-eager"

    @property
    def platform(self) -> str:
        return "gpu"

    def accelerators(self) -> list[str]:
        return self.devices()

    def version(self) -> str | None:
        try:
            import cupy
        except Exception:
            return None
        return cupy.__version__

    @property
    def xp(self) -> Any:
        import array_api_compat.cupy

        return array_api_compat.cupy

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

        return cupy.asnumpy(array)

    def time_calls(self, fn: Callable[[], Any], repeat: int) -> list[float]:
        """GPU time of each call from CUDA events, via ``cupyx.profiler.benchmark``."""
        from cupyx.profiler import benchmark

        result = benchmark(fn, n_repeat=repeat, n_warmup=0)
        return [float(t) for t in result.gpu_times[0]]

    def sync(self, result: Any) -> Any:
        import cupy

        cupy.cuda.get_current_stream().synchronize()
        return result
