"""The kernel's residual moments on a CUDA GPU as one pass over x and y: CUDA C generated per
degree, residual kind and input type, compiled by CuPy (``cupy.RawKernel``, NVRTC) once.

The standard-only form makes d + 2 passes over memory per iteration (the residual, then one
sum per moment), each a kernel launch or two. Here each thread runs a grid-stride loop that
reads x_i and y_i once, evaluates the polynomial by Horner's rule and keeps d + 1 float64
accumulators (float32 inputs are summed in float64, as numba's loop does); a block reduces
them by warp shuffles into one row of partial sums, and a second launch of one block sums the
rows in a fixed order and writes the d + 1 moments in the input type. No atomics: the order of
every sum is fixed, so a run repeats bit for bit. No fast-math option is passed (NVRTC's
default contracts a * b + c into FMA, as numba's ``contract`` does, but keeps NaN and
infinity), and sign(NaN) stays NaN, so a diverging run still shows as non-finite.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from descent_bench.kernels import Array, Ops

THREADS = 256  # per block: a multiple of the warp's 32, at most 32 warps
# The grid of the first launch at most: one wave of resident blocks (``resident_blocks``:
# the device's SMs times the blocks of THREADS one SM holds), enough loads in flight to
# stream at the memory's pace, with no partial second wave; the grid-stride loop covers
# larger inputs. FIXED_BLOCKS: the grid before it was sized from the device (1024: 1.3 to 2
# waves on a 132-SM card), kept to be timed beside it (``use_fixed_grid``).
FIXED_BLOCKS = 1024


class Grid:
    """Which grid launches use: one wave of the device (the default) or FIXED_BLOCKS."""

    fixed = False


CTYPES = {"float32": "float", "float64": "double"}
WARP = 32


def kernel_names(degree: int, sign: bool, dtype: str) -> tuple[str, str]:
    """The names of the partial-sums kernel and the finishing kernel (CUDA C identifiers)."""
    ctype = CTYPES[dtype]
    kind = "sign" if sign else "sse"
    return (
        f"descent_bench_moments_d{degree}_{kind}_{ctype}",
        f"descent_bench_moments_finish_d{degree}_{ctype}",
    )


def _block_sum(acc: list[str]) -> list[str]:
    """CUDA C that sums every accumulator in ``acc`` over the block: a shuffle tree in each
    warp, the warps' sums through shared memory, then a shuffle tree in warp 0. Afterwards
    thread 0 holds the block's sums."""
    width = len(acc)
    shuffle = [f"        {a} += __shfl_down_sync(0xffffffffu, {a}, offset);" for a in acc]
    lines = [
        f"    __shared__ double warp_sums[{width}][{WARP}];",
        f"    const unsigned lane = threadIdx.x % {WARP}, warp = threadIdx.x / {WARP};",
        f"    for (int offset = {WARP // 2}; offset > 0; offset /= 2) {{",
        *shuffle,
        "    }",
        "    if (lane == 0) {",
        *(f"        warp_sums[{j}][warp] = {a};" for j, a in enumerate(acc)),
        "    }",
        "    __syncthreads();",
        "    if (warp == 0) {",
        f"        const unsigned warps = blockDim.x / {WARP};",
        *(f"        {a} = lane < warps ? warp_sums[{j}][lane] : 0.0;" for j, a in enumerate(acc)),
        f"        for (int offset = {WARP // 2}; offset > 0; offset /= 2) {{",
        *("    " + line for line in shuffle),
        "        }",
        "    }",
    ]
    return lines


def moments_source(degree: int, sign: bool, dtype: str) -> str:
    """CUDA C of both kernels for ``degree``, ``sign`` and inputs of ``dtype``.

    ``moments(c, x, y, partial, n)``: block b writes its d + 1 float64 sums of g x^j to
    ``partial[b, :]``. ``finish(partial, out, blocks)``, one block: the sums over the rows of
    ``partial``, cast to the input type, into ``out``.
    """
    ctype = CTYPES[dtype]
    width = degree + 1
    acc = [f"s{j}" for j in range(width)]
    moments, finish = kernel_names(degree, sign, dtype)
    if sign:  # sign(r), keeping NaN (neither comparison holds) and zero
        g = "r > 0.0 ? 1.0 : (r < 0.0 ? -1.0 : r)"
    else:
        g = "r"
    powers = []
    for j, a in enumerate(acc):
        powers.append(f"        {a} += g;")
        if j < degree:
            powers.append("        g *= xi;")
    lines = [
        f"// descent-bench: sum_i g_i x_i^j, j = 0..{degree}, g = {'sign(r)' if sign else 'r'},"
        f" r = p(x) - y; {ctype} inputs, double sums.",
        f'extern "C" __global__ void {moments}(',
        f"    const {ctype}* c, const {ctype}* x, const {ctype}* y, double* partial,",
        "    const long long n)",
        "{",
        f"    double {', '.join(f'{a} = 0.0' for a in acc)};",
        *(f"    const double c{j} = (double)c[{j}];" for j in range(width)),
        "    const long long stride = (long long)blockDim.x * gridDim.x;",
        "    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;"
        " i += stride) {",
        *(["        const double xi = (double)x[i];"] if degree else []),
        f"        double p = c{degree};",
        *(f"        p = p * xi + c{j};" for j in range(degree - 1, -1, -1)),
        "        const double r = p - (double)y[i];",
        f"        double g = {g};",
        *powers,
        "    }",
        *_block_sum(acc),
        "    if (threadIdx.x == 0) {",
        f"        const long long row = (long long)blockIdx.x * {width};",
        *(f"        partial[row + {j}] = {a};" for j, a in enumerate(acc)),
        "    }",
        "}",
        "",
        f'extern "C" __global__ void {finish}(',
        f"    const double* partial, {ctype}* out, const long long blocks)",
        "{",
        f"    double {', '.join(f'{a} = 0.0' for a in acc)};",
        "    for (long long b = threadIdx.x; b < blocks; b += blockDim.x) {",
        *(f"        {a} += partial[b * {width} + {j}];" for j, a in enumerate(acc)),
        "    }",
        *_block_sum(acc),
        "    if (threadIdx.x == 0) {",
        *(f"        out[{j}] = ({ctype}){a};" for j, a in enumerate(acc)),
        "    }",
        "}",
    ]
    return "\n".join(lines) + "\n"


@cache
def compiled_moments(degree: int, sign: bool, dtype: str) -> tuple[Any, Any]:
    """Both kernels for ``degree``, ``sign`` and ``dtype`` as ``cupy.RawKernel`` objects, made
    once per process; CuPy compiles at the first call and caches the binary per device (and
    on disk, for later processes)."""
    import cupy

    source = moments_source(degree, sign, dtype)
    moments, finish = kernel_names(degree, sign, dtype)
    return cupy.RawKernel(source, moments), cupy.RawKernel(source, finish)


def resident_blocks(properties: dict[str, Any]) -> int:
    """Blocks of THREADS that the device holds at once: its SMs times what one SM holds
    (threads per SM over THREADS, within its block limit); FIXED_BLOCKS where the device
    does not say."""
    sms = int(properties.get("multiProcessorCount", 0))
    threads = int(properties.get("maxThreadsPerMultiProcessor", 0))
    if sms <= 0 or threads <= 0:
        return FIXED_BLOCKS
    per_sm = threads // THREADS
    limit = int(properties.get("maxBlocksPerMultiProcessor", 0))
    return sms * (min(per_sm, limit) if limit > 0 else per_sm)


def use_fixed_grid(fixed: bool) -> None:
    """Launch FIXED_BLOCKS at most instead of one wave (to time the two side by side)."""
    Grid.fixed = fixed


@cache
def device_blocks(device: int) -> int:
    import cupy

    return resident_blocks(dict(cupy.cuda.runtime.getDeviceProperties(device)))


def blocks_for(n: int, most: int) -> int:
    """Blocks of the first launch for ``n`` points: one per ``THREADS`` points, at least one,
    at most ``most``."""
    return min(most, max(1, -(-n // THREADS)))


class FusedOps(Ops):
    """``Ops`` with the residual moments as one pass of a generated CUDA kernel (float32 and
    float64 inputs; any other type takes the standard-only form)."""

    def residual_moments(self, coeffs: Array, x: Array, y: Array, sign: bool) -> Array:
        import cupy

        dtype = np.dtype(x.dtype).name
        if dtype not in CTYPES or x.ndim != 1:
            return super().residual_moments(coeffs, x, y, sign)
        degree = coeffs.shape[0] - 1
        moments, finish = compiled_moments(degree, sign, dtype)
        # The kernels index flat memory: contiguous inputs of one type (no copy if they are).
        kind = x.dtype
        c, x, y = (cupy.ascontiguousarray(a, dtype=kind) for a in (coeffs, x, y))
        n = x.shape[0]
        most = FIXED_BLOCKS if Grid.fixed else device_blocks(cupy.cuda.runtime.getDevice())
        blocks = blocks_for(n, most)
        partial = cupy.empty((blocks, degree + 1), dtype=cupy.float64)
        out = cupy.empty(degree + 1, dtype=kind)
        moments((blocks,), (THREADS,), (c, x, y, partial, np.int64(n)))
        finish((1,), (THREADS,), (partial, out, np.int64(blocks)))
        return out
