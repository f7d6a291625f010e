"""``cupy.cuda`` of the stand-in: one device, a stream, events timed by the host clock."""

import os
import time

from cupy.cuda import runtime
from cupy.cuda.device import Device  # noqa: F401

FAILURES = {
    "driver": lambda: runtime.CUDARuntimeError(
        "cudaErrorInsufficientDriver: CUDA driver version is insufficient for CUDA runtime version"
    ),
    "compile": lambda: RuntimeError(
        "CompileException: nvrtc: libnvrtc.so.12: cannot open shared object file: "
        "No such file or directory"
    ),
}


def _fail_if(stage):
    if os.environ.get("STAND_IN_CUPY_FAILS") == stage:
        raise FAILURES[stage]()


def is_available():
    try:
        return runtime.getDeviceCount() > 0
    except Exception:
        return False


class Stream:
    def synchronize(self):
        pass


_STREAM = Stream()


def get_current_stream(device_id=-1):
    return _STREAM


class Event:
    def __init__(self, block=False, disable_timing=False, interprocess=False):
        self.time = None

    def record(self, stream=None):
        self.time = time.perf_counter()

    def synchronize(self):
        pass


def get_elapsed_time(start_event, end_event):
    """Milliseconds between two recorded events."""
    return (end_event.time - start_event.time) * 1e3
