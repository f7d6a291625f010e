"""``cupy.cuda.runtime`` of the stand-in: one H100-like device, CUDA 12.8."""

import os


class CUDARuntimeError(RuntimeError):
    pass


def _check():
    if os.environ.get("STAND_IN_CUPY_FAILS") == "driver":
        from cupy.cuda import FAILURES

        raise FAILURES["driver"]()


def getDeviceCount():
    _check()
    return 1


def getDevice():
    _check()
    return 0


def getDeviceProperties(device):
    _check()
    return {
        "name": b"Stand-in H100 80GB HBM3",
        "major": 9,
        "minor": 0,
        "totalGlobalMem": 85 * 10**9,
        "clockRate": 1_980_000,  # kHz
        "memoryClockRate": 2_619_000,  # kHz
        "multiProcessorCount": 132,
        "maxThreadsPerMultiProcessor": 2048,
        "maxBlocksPerMultiProcessor": 32,
        "ECCEnabled": 1,
        "pciBusID": 0x19,
    }


def driverGetVersion():
    _check()
    return 12080


def runtimeGetVersion():
    _check()
    return 12080


def memGetInfo():
    _check()
    return (80 * 10**9, 85 * 10**9)
