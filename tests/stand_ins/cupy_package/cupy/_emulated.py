"""NumPy emulations of the raw CUDA kernels descent-bench generates, found by kernel name.

The stand-in cannot compile CUDA C. A ``RawKernel`` call runs the emulation whose pattern
matches the kernel's name: it checks the call's shapes the way the CUDA code relies on them
(grid and block tuples, argument count, array types, contiguity, the partial-sums layout)
and computes what the kernel is meant to write, with the same work split (a grid-stride
loop: point i to block (i // threads) % blocks) and float64 sums. It tests the plumbing
around the kernels, not the CUDA code itself.
"""

import re

import numpy as np

CTYPES = {"float": np.float32, "double": np.float64}


def _check(arrays, kinds):
    for array, kind in zip(arrays, kinds, strict=True):
        if not isinstance(array, np.ndarray) or array.dtype != kind:
            raise TypeError(f"kernel argument {array!r:.40} is not a {np.dtype(kind)} array")
        if not array.flags.c_contiguous:
            raise ValueError("kernel argument is not contiguous (the kernel reads flat memory)")


def _launch(grid, block, args, count):
    if not (isinstance(grid, tuple) and isinstance(block, tuple) and isinstance(args, tuple)):
        raise TypeError("grid, block and args must be tuples")
    if len(args) != count:
        raise TypeError(f"the kernel takes {count} arguments, got {len(args)}")
    if not isinstance(args[-1], np.int64):
        raise TypeError("the count must be an int64 scalar (long long in the kernel)")
    if block[0] % 32 or not 0 < block[0] <= 1024:
        raise ValueError(f"block of {block[0]} threads is not whole warps")
    return grid[0], block[0]


def moments(match, grid, block, args):
    """``descent_bench_moments_d{D}_{sse|sign}_{T}(c, x, y, partial, n)``."""
    degree, sign, kind = int(match["degree"]), match["kind"] == "sign", CTYPES[match["ctype"]]
    blocks, threads = _launch(grid, block, args, 5)
    c, x, y, partial, n = args
    _check((c, x, y, partial), (kind, kind, kind, np.float64))
    if y.shape != x.shape:
        raise ValueError(f"x {x.shape} and y {y.shape} differ")
    if c.shape != (degree + 1,) or partial.shape != (blocks, degree + 1) or x.shape != (n,):
        raise ValueError(f"shapes c {c.shape}, x {x.shape}, partial {partial.shape} do not fit")
    xs, ys, cs = x.astype(np.float64), y.astype(np.float64), c.astype(np.float64)
    p = np.full(n, cs[degree])
    for j in range(degree - 1, -1, -1):
        p = p * xs + cs[j]
    r = p - ys
    g = np.where(r > 0, 1.0, np.where(r < 0, -1.0, r)) if sign else r
    owner = (np.arange(n) // threads) % blocks
    for j in range(degree + 1):
        partial[:, j] = np.bincount(owner, weights=g, minlength=blocks)
        g = g * xs


def finish(match, grid, block, args):
    """``descent_bench_moments_finish_d{D}_{T}(partial, out, blocks)``, one block."""
    degree, kind = int(match["degree"]), CTYPES[match["ctype"]]
    if _launch(grid, block, args, 3)[0] != 1:
        raise ValueError("the finishing kernel runs as one block")
    partial, out, blocks = args
    _check((partial, out), (np.float64, kind))
    if partial.shape != (blocks, degree + 1) or out.shape != (degree + 1,):
        raise ValueError(f"shapes partial {partial.shape}, out {out.shape} do not fit")
    out[:] = np.sum(partial, axis=0).astype(kind)


EMULATIONS = {
    r"descent_bench_moments_d(?P<degree>\d+)_(?P<kind>sse|sign)_(?P<ctype>float|double)": moments,
    r"descent_bench_moments_finish_d(?P<degree>\d+)_(?P<ctype>float|double)": finish,
}


def emulation(name, code):
    """The emulation of kernel ``name`` (which must be defined in ``code``)."""
    if not re.search(rf"\b__global__\s+void\s+{re.escape(name)}\s*\(", code):
        raise RuntimeError(f"CompileException: no kernel named {name} in the source")
    for pattern, run in EMULATIONS.items():
        match = re.fullmatch(pattern, name)
        if match:
            return lambda grid, block, args: run(match, grid, block, args)
    raise NotImplementedError(f"the stand-in CuPy has no emulation of kernel {name}")
