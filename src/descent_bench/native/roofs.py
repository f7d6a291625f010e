"""The CPU's two roofs, measured in C (built at run time, as ``fused`` is):

- ``read_gbytes_per_second``: a vectorised read of a host array repeated in one call, so
  that an array the size of a cache level is read from that level (the read roof of data
  that lives there); ``update_gbytes_per_second``: the same of an array updated in place
  (read and written back, as a step that updates its data does);
- ``peak_seconds_per_point``: the machine's peak rate for an operation mix, ``fma`` fused
  multiply-adds (or multiplies: the same units) and ``add`` additions per point, on
  independent chains kept in vector registers, one thread, the widest vectors the compiler
  targets (``-march=native``): no correct loop doing that arithmetic per point is faster.

The mix is compiled per (fma, add): straight-line code, ``CHAINS`` independent chains of each
kind, interleaved in the mix's ratio, without fast-math (so nothing is folded away) but with
contraction (a multiply and an add are one FMA).
"""

from __future__ import annotations

import ctypes
import statistics
import time
from collections.abc import Callable
from functools import cache

import numpy as np

from descent_bench.native.build import NativeUnavailable, cached_build_text

FLAGS = ("-O2", "-march=native", "-fopenmp-simd", "-ffp-contract=fast", "-fPIC", "-shared")
PORTABLE = tuple(f for f in FLAGS if f != "-march=native")
# Seconds one timed call of the peak loop or a read should last, and calls timed (median).
CALL_SECONDS = 0.01
CALLS = 5

PREAMBLE = """
#if defined(__AVX512F__)
#define VB 64
#define CHAINS 10
#elif defined(__AVX__)
#define VB 32
#define CHAINS 6
#else
#define VB 16
#define CHAINS 6
#endif
typedef double vd __attribute__((vector_size(VB)));
typedef float vf __attribute__((vector_size(VB)));
int vector_bytes(void) { return VB; }
int chains(void) { return CHAINS; }
#define READ(T, V, S)                                                              \
    double read_repeat_##S(const T *a, long n, long reps) {                        \
        const long L = VB / (long)sizeof(T), step = 8 * L;                         \
        double total = 0;                                                          \
        for (long r = 0; r < reps; r++) {                                          \
            V s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, v;                           \
            V s4 = {0}, s5 = {0}, s6 = {0}, s7 = {0};                              \
            long i = 0;                                                            \
            for (; i + step <= n; i += step) {                                     \
                __builtin_memcpy(&v, a + i, VB); s0 += v;                          \
                __builtin_memcpy(&v, a + i + L, VB); s1 += v;                      \
                __builtin_memcpy(&v, a + i + 2 * L, VB); s2 += v;                  \
                __builtin_memcpy(&v, a + i + 3 * L, VB); s3 += v;                  \
                __builtin_memcpy(&v, a + i + 4 * L, VB); s4 += v;                  \
                __builtin_memcpy(&v, a + i + 5 * L, VB); s5 += v;                  \
                __builtin_memcpy(&v, a + i + 6 * L, VB); s6 += v;                  \
                __builtin_memcpy(&v, a + i + 7 * L, VB); s7 += v;                  \
            }                                                                      \
            V t = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));               \
            for (long j = 0; j < L; j++) total += t[j];                            \
            for (; i < n; i++) total += a[i];                                      \
        }                                                                          \
        return total;                                                              \
    }
READ(double, vd, f64)
READ(float, vf, f32)
#define READS(T, V, S, K)                                                          \
    double read_streams##K##_##S(const T *a, long n, long reps) {                 \
        const long L = VB / (long)sizeof(T), part = n / K / (2 * L) * (2 * L);     \
        double total = 0;                                                          \
        for (long r = 0; r < reps; r++) {                                          \
            V s[2 * K], v;                                                         \
            for (int k = 0; k < 2 * K; k++) s[k] = (V){0};                          \
            for (long i = 0; i + 2 * L <= part; i += 2 * L) {                      \
                for (int k = 0; k < K; k++) {                                      \
                    __builtin_memcpy(&v, a + k * part + i, VB); s[2 * k] += v;     \
                    __builtin_memcpy(&v, a + k * part + i + L, VB); s[2 * k + 1] += v; \
                }                                                                  \
            }                                                                      \
            V t = s[0];                                                            \
            for (int k = 1; k < 2 * K; k++) t += s[k];                             \
            for (long j = 0; j < L; j++) total += t[j];                            \
        }                                                                          \
        return total;                                                              \
    }
READS(double, vd, f64, 2)
READS(float, vf, f32, 2)
READS(double, vd, f64, 4)
READS(float, vf, f32, 4)
#define UPDATE(T, S)                                                               \
    void update_repeat_##S(T *a, long n, long reps) {                              \
        for (long r = 0; r < reps; r++) {                                          \
            _Pragma("omp simd")                                                    \
            for (long i = 0; i < n; i++) a[i] = a[i] * (T)0.5 + (T)0.5;            \
        }                                                                          \
    }
UPDATE(double, f64)
UPDATE(float, f32)
"""


def mix_source(fma: int, add: int) -> str:
    """C source of ``peak_f64``/``peak_f32``(units): each unit, every chain does ``fma`` FMAs
    and ``add`` additions, interleaved as evenly as the ratio allows."""
    order = sorted(
        [("f", (i + 0.5) / fma) for i in range(fma)] + [("a", (i + 0.5) / add) for i in range(add)],
        key=lambda op: op[1],
    )
    lines = [PREAMBLE]
    for vec, scalar, suffix in (("vd", "double", "f64"), ("vf", "float", "f32")):
        body = []
        for kind, _ in order:
            for c in range(CHAIN_SLOTS):
                body.append(
                    f"        if ({c} < CHAINS) p{c} = p{c} * m + k;"
                    if kind == "f"
                    else f"        if ({c} < CHAINS) s{c} = s{c} + k;"
                )
        declarations = [
            f"    {vec} p{c} = m * ({scalar}){c + 1}, s{c} = k * {c};" for c in range(CHAIN_SLOTS)
        ]
        total = " + ".join(f"p{c} + s{c}" for c in range(CHAIN_SLOTS))
        lines += [
            f"double peak_{suffix}(long units) {{",
            f"    {vec} m, k;",
            f"    for (int i = 0; i < VB / (int)sizeof({scalar}); i++) {{",
            "        m[i] = 0.9999999;",
            "        k[i] = 1e-7;",
            "    }",
            *declarations,
            "    for (long u = 0; u < units; u++) {",
            *body,
            "    }",
            f"    {vec} t = {total};",
            "    double out = 0;",
            f"    for (int i = 0; i < VB / (int)sizeof({scalar}); i++) out += t[i];",
            "    return out;",
            "}",
        ]
    return "\n".join(lines) + "\n"


# Streams a read may run at once (the array in as many parts, read side by side): memory
# serves two or four streams faster than one (here 25.4, 26.8 and 27.9 GB/s from DRAM).
STREAMS = (1, 2, 4)
# Chain variables written out; those past the target's ``CHAINS`` are dead code.
CHAIN_SLOTS = 10


class RoofLibrary:
    def __init__(self, path: str) -> None:
        self.lib = ctypes.CDLL(path)
        for suffix in ("f64", "f32"):
            read = getattr(self.lib, f"read_repeat_{suffix}")
            read.restype, read.argtypes = (
                ctypes.c_double,
                [ctypes.c_void_p, ctypes.c_long, ctypes.c_long],
            )
            update = getattr(self.lib, f"update_repeat_{suffix}")
            update.restype = None
            update.argtypes = [ctypes.c_void_p, ctypes.c_long, ctypes.c_long]
            peak = getattr(self.lib, f"peak_{suffix}")
            peak.restype, peak.argtypes = ctypes.c_double, [ctypes.c_long]
            for streams in STREAMS[1:]:
                reads = getattr(self.lib, f"read_streams{streams}_{suffix}")
                reads.restype, reads.argtypes = read.restype, read.argtypes
        self.vector_bytes = int(self.lib.vector_bytes())
        self.chains = int(self.lib.chains())


@cache
def library(fma: int, add: int) -> RoofLibrary:
    """The roof helpers for the mix (``NativeUnavailable``: no compiler, or no build)."""
    text = mix_source(max(fma, 0), max(add, 0))
    try:
        path = cached_build_text(f"roofs-{fma}-{add}", text, FLAGS, PORTABLE)
        return RoofLibrary(str(path))
    except OSError as exc:
        raise NativeUnavailable(f"the roof helpers cannot be loaded: {exc}") from None


def _median_seconds(call: Callable[[int], object]) -> tuple[float, int]:
    """The median seconds of ``CALLS`` calls of ``call(units)``, units grown until a call
    lasts about ``CALL_SECONDS`` (one unit where one lasts longer)."""
    units = 1
    while True:  # grow the call until it lasts CALL_SECONDS / 4
        start = time.perf_counter()
        call(units)
        took = time.perf_counter() - start
        if took >= CALL_SECONDS / 4 or units > 2**40:
            break
        units *= 4
    units = max(1, round(units * CALL_SECONDS / took))
    seconds = []
    for _ in range(CALLS):
        start = time.perf_counter()
        call(units)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), units


def peak_seconds_per_point(fma: int, add: int, dtype: str) -> float:
    """Seconds per point of the mix at the machine's peak (one thread)."""
    roofs = library(fma, add)
    suffix = "f64" if dtype == "float64" else "f32"
    lanes = roofs.vector_bytes // np.dtype(dtype).itemsize
    seconds, units = _median_seconds(getattr(roofs.lib, f"peak_{suffix}"))
    return seconds / units / (roofs.chains * lanes)


def update_gbytes_per_second(nbytes: int, dtype: str) -> float:
    """GB/s, read and written, of an array of ``nbytes`` updated in place (a[i] = a[i] / 2 +
    1 / 2), repeated in one call: the rate of data a step reads and writes back."""
    roofs = library(0, 0)
    array = np.ones(max(1, nbytes // np.dtype(dtype).itemsize), dtype=dtype)
    suffix = "f64" if dtype == "float64" else "f32"
    update = getattr(roofs.lib, f"update_repeat_{suffix}")
    seconds, reps = _median_seconds(lambda r: update(array.ctypes.data, array.size, r))
    return 2 * array.nbytes * reps / seconds / 1e9


def read_gbytes_per_second(nbytes: int, dtype: str, streams: int = 1) -> float:
    """GB/s of a vectorised read of an array of ``nbytes``, repeated in one call, as
    ``streams`` parts read side by side (``STREAMS``)."""
    roofs = library(0, 0)
    array = np.ones(max(1, nbytes // np.dtype(dtype).itemsize), dtype=dtype)
    suffix = "f64" if dtype == "float64" else "f32"
    if streams not in STREAMS:
        raise ValueError(f"streams must be one of {STREAMS}, got {streams}")
    name = f"read_repeat_{suffix}" if streams == 1 else f"read_streams{streams}_{suffix}"
    read = getattr(roofs.lib, name)
    seconds, reps = _median_seconds(lambda r: read(array.ctypes.data, array.size, r))
    lanes = roofs.vector_bytes // array.itemsize
    part = array.size // streams // (2 * lanes) * 2 * lanes  # what each stream reads
    counted = array.size if streams == 1 else part * streams
    return counted * array.itemsize * reps / seconds / 1e9
