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
import platform
import shutil
import subprocess
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

FLAGS = ("-O3", "-march=native", "-fopenmp-simd", "-fno-math-errno", "-fPIC", "-shared")
# Added to FLAGS where the reference runs under valgrind, whose CPU has no AVX-512
# (``valgrind_cpu``): a ``-march=native`` build for a CPU that has it would stop there on an
# illegal instruction.
VALGRIND_FLAGS = ("-mno-avx512f",)
_extra_flags: list[str] = []  # VALGRIND_FLAGS once ``valgrind_cpu`` is called
SUFFIX = {np.dtype("float64"): "f64", np.dtype("float32"): "f32"}


class NativeUnavailable(RuntimeError):
    """No C compiler, or the reference did not build; the message says which."""


def _source(name: str = "fused.c") -> str:
    return resources.files("descent_bench.measurement").joinpath(f"native/{name}").read_text()


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "descent-bench"


def _build(source: str, target: Path, flag_sets: tuple[tuple[str, ...], ...] | None = None) -> None:
    """``source`` compiled into ``target`` with the first of ``flag_sets`` that works (by
    default FLAGS, then FLAGS without ``-march=native``)."""
    compiler = os.environ.get("CC", "cc")
    if shutil.which(compiler) is None:
        raise NativeUnavailable(f"no C compiler ({compiler!r} not found; set CC)")
    if flag_sets is None:
        flags = (*FLAGS, *_extra_flags)
        flag_sets = (flags, tuple(f for f in flags if f != "-march=native"))
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "source.c", Path(tmp) / target.name
        src.write_text(source)
        for flags in flag_sets:
            try:
                proc = subprocess.run(
                    [compiler, *flags, "-o", str(out), str(src)],
                    capture_output=True,
                    text=True,
                    check=False,
                    timeout=120,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise NativeUnavailable(f"the C reference did not build: {exc}") from None
            if proc.returncode == 0:
                os.replace(out, target)
                return
        raise NativeUnavailable(f"the C reference did not build: {proc.stderr.strip()[:300]}")


def cached_build(name: str, flags: tuple[str, ...]) -> Path:
    """``native/<name>`` built once per source, compiler, flags and CPU into the cache
    folder; ``NativeUnavailable`` where it does not build."""
    source = _source(name)
    key = "\n".join([source, os.environ.get("CC", "cc"), *flags, _machine()])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    target = _cache_dir() / f"{Path(name).stem}-{digest}.so"
    if not target.exists():
        _build(source, target, (flags,))
    return target


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


def _machine() -> str:
    """What a ``-march=native`` build depends on: the architecture and the CPU's features."""
    try:
        info = Path("/proc/cpuinfo").read_text()
        features = next(
            (line for line in info.splitlines() if line.startswith(("flags", "Features"))), ""
        )
    except OSError:
        features = ""
    return f"{platform.machine()} {platform.processor()} {features}"


@cache
def _loaded() -> NativeLibrary | NativeUnavailable:
    """The built references or why not, once per process (a failed build is not retried)."""
    source = _source()
    key = "\n".join([source, os.environ.get("CC", "cc"), *FLAGS, *_extra_flags, _machine()])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    target = _cache_dir() / f"fused-{digest}.so"
    try:
        if not target.exists():
            _build(source, target)
        return NativeLibrary(target)
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
