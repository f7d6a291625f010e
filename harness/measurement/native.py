"""The C limit references (``native/fused.c``), built at run time where a C compiler is.

``NativeLibrary`` gives a vectorised streaming read (the CPU's bandwidth ceiling, measured
beside the backends' own) and the sine fit's descent fused into one pass per step in C (the
``c-fused`` row: how close a backend comes to what the hardware allows). Without a compiler
``load`` says why, and the rows and ceilings that need it are left out.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

FLAGS = ("-O3", "-march=native", "-fopenmp-simd", "-fno-math-errno", "-fPIC", "-shared")
SUFFIX = {np.dtype("float64"): "f64", np.dtype("float32"): "f32"}


class NativeUnavailable(RuntimeError):
    """No C compiler, or the reference did not build; the message says which."""


def _source() -> str:
    return resources.files("descent_bench.measurement").joinpath("native/fused.c").read_text()


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "descent-bench"


def _build(source: str, target: Path) -> None:
    compiler = os.environ.get("CC", "cc")
    if shutil.which(compiler) is None:
        raise NativeUnavailable(f"no C compiler ({compiler!r} not found; set CC)")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "fused.c", Path(tmp) / target.name
        src.write_text(source)
        for flags in (FLAGS, tuple(f for f in FLAGS if f != "-march=native")):
            proc = subprocess.run(
                [compiler, *flags, "-o", str(out), str(src)],
                capture_output=True,
                text=True,
                check=False,
                timeout=120,
            )
            if proc.returncode == 0:
                os.replace(out, target)
                return
        raise NativeUnavailable(f"the C reference did not build: {proc.stderr.strip()[:300]}")


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
def load() -> NativeLibrary:
    """The built references (built once per source and compiler, cached on disk);
    ``NativeUnavailable`` says why not."""
    source = _source()
    digest = hashlib.sha256((source + os.environ.get("CC", "cc")).encode()).hexdigest()[:16]
    target = _cache_dir() / f"fused-{digest}.so"
    if not target.exists():
        _build(source, target)
    return NativeLibrary(target)


def unavailable_reason() -> str | None:
    try:
        load()
    except (NativeUnavailable, OSError) as exc:
        return str(exc)
    return None
