"""The C limit references (``fused.c``), built at run time where a C compiler is (``build``).

``NativeLibrary`` gives a vectorised streaming read (the CPU's bandwidth ceiling, measured
beside the backends' own) and the sine fit's descent fused into one pass per step in C (the
``c-fused`` row: how close a backend comes to what the hardware allows). Without a compiler
``load`` says why, and the rows and ceilings that need it are left out.
"""

from __future__ import annotations

import ctypes
from functools import cache
from pathlib import Path

import numpy as np

from descent_bench.native.build import NativeUnavailable, cached_build

FLAGS = ("-O3", "-march=native", "-fopenmp-simd", "-fno-math-errno", "-fPIC", "-shared")
# Added to FLAGS where the reference runs under valgrind, whose CPU has no AVX-512
# (``valgrind_cpu``): a ``-march=native`` build for a CPU that has it would stop there on an
# illegal instruction.
VALGRIND_FLAGS = ("-mno-avx512f",)
_extra_flags: list[str] = []  # VALGRIND_FLAGS once ``valgrind_cpu`` is called
SUFFIX = {np.dtype("float64"): "f64", np.dtype("float32"): "f32"}


class NativeLibrary:
    def __init__(self, path: Path) -> None:
        self.lib = ctypes.CDLL(str(path))
        pointer = ctypes.c_void_p
        for suffix in SUFFIX.values():
            read = getattr(self.lib, f"stream_sum_{suffix}")
            read.restype, read.argtypes = ctypes.c_double, [pointer, ctypes.c_long]
            descent = getattr(self.lib, f"moment_descent_{suffix}")
            descent.restype = ctypes.c_int
            descent.argtypes = [
                pointer,
                ctypes.c_int,
                pointer,
                pointer,
                ctypes.c_long,
                ctypes.c_double,
                ctypes.c_long,
                ctypes.c_int,
            ]

    def stream_sum(self, array: np.ndarray) -> float:
        """Sum of a contiguous float64/float32 array, read once with vector accumulators."""
        function = getattr(self.lib, f"stream_sum_{SUFFIX[array.dtype]}")
        return float(function(array.ctypes.data, array.size))

    def moment_descent(
        self, coeffs: np.ndarray, x: np.ndarray, y: np.ndarray, step: float, k: int, sign: bool
    ) -> np.ndarray:
        """K steps of coeffs <- coeffs - step * sum_i g_i x_i^j (g = r or sign(r)), in C."""
        c = np.array(coeffs, dtype=x.dtype, order="C", copy=True)
        function = getattr(self.lib, f"moment_descent_{SUFFIX[x.dtype]}")
        x, y = np.ascontiguousarray(x), np.ascontiguousarray(y, dtype=x.dtype)
        status = function(
            c.ctypes.data, c.size - 1, x.ctypes.data, y.ctypes.data, x.size, step, k, int(sign)
        )
        if status:
            raise ValueError(f"the C reference handles degrees up to 31, got {c.size - 1}")
        return c


@cache
def _loaded() -> NativeLibrary | NativeUnavailable:
    """The built references or why not, once per process (a failed build is not retried):
    with ``-march=native``, else without it."""
    flags = (*FLAGS, *_extra_flags)
    portable = tuple(f for f in flags if f != "-march=native")
    try:
        return NativeLibrary(cached_build("fused.c", flags, portable))
    except NativeUnavailable as exc:
        return exc
    except OSError as exc:
        return NativeUnavailable(f"the C reference cannot be loaded: {exc}")


def load() -> NativeLibrary:
    """The references, built once per source, compiler, flags and CPU, cached on disk;
    ``NativeUnavailable`` says why not."""
    loaded = _loaded()
    if isinstance(loaded, NativeUnavailable):
        raise loaded
    return loaded


def valgrind_cpu() -> None:
    """Build (or find) the references for the CPU valgrind offers, no AVX-512: called before
    the first ``load`` in a process that runs under valgrind."""
    _extra_flags[:] = VALGRIND_FLAGS
    _loaded.cache_clear()


def build_for_valgrind() -> None:
    """Build now, in this process, the references a process under valgrind will load
    (``valgrind_cpu``), so that none is compiled inside a counted process: the first count
    of a fresh machine would otherwise differ from the rest (its heap, after a compile). A
    build that fails is left for that process to report."""
    saved = list(_extra_flags)
    valgrind_cpu()
    try:
        _loaded()
    finally:
        _extra_flags[:] = saved
        _loaded.cache_clear()


def unavailable_reason() -> str | None:
    loaded = _loaded()
    return str(loaded) if isinstance(loaded, NativeUnavailable) else None
