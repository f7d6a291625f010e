"""``cupyx.profiler.benchmark`` of the stand-in, with CuPy 14's signature and result shape:
``cpu_times`` (n_repeat,) and ``gpu_times`` (devices, n_repeat), in seconds."""

import math
import time

import numpy as np
from cupy import cuda


class _PerfCaseResult:
    def __init__(self, name, cpu_times, gpu_times, devices):
        self.name = name
        self._ts = np.concatenate([cpu_times[None], gpu_times])
        self._devices = devices

    @property
    def cpu_times(self):
        return self._ts[0]

    @property
    def gpu_times(self):
        return self._ts[1:]


def benchmark(
    func,
    args=(),
    kwargs={},  # noqa: B006 (CuPy 14 signature)
    n_repeat=10000,
    *,
    name=None,
    n_warmup=10,
    max_duration=math.inf,
    devices=None,
):
    devices = (cuda.Device().id,) if devices is None else tuple(devices)
    for _ in range(n_warmup):
        func(*args, **kwargs)
    cpu, gpu = [], []
    started = time.perf_counter()
    for _ in range(n_repeat):
        begin, end = cuda.Event(), cuda.Event()
        t0 = time.perf_counter()
        begin.record()
        func(*args, **kwargs)
        end.record()
        end.synchronize()
        cpu.append(time.perf_counter() - t0)
        gpu.append(cuda.get_elapsed_time(begin, end) / 1e3)
        if time.perf_counter() - started > max_duration:
            break
    gpu_times = np.array([gpu for _ in devices])
    name = name or getattr(func, "__name__", "func")
    return _PerfCaseResult(name, np.array(cpu), gpu_times, devices)
