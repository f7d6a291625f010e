"""Every NumPy array of a counted process on a 64-byte boundary.

Where the heap puts an array decides its alignment, and its alignment decides how many
elements a vector loop handles before and after its aligned body (NumPy's, numba's, the C
reference's), and whether XLA can use a host buffer as it is or copies it. Any change to
what a process allocated earlier (an edit to an unrelated module, the files beside it, the
size of its environment) moves the heap, and with it the count: the jax sine row (float32,
2000 points) counted 0.17% fewer instructions at a commit that changed NumPy's loop alone,
all of it in XLA's compiled code. A NumPy data allocator (NEP 49, ``native/aligned_numpy.c``)
that starts every array on a 64-byte boundary takes the heap out of that choice; the counted
process installs it before it makes any data (``counted_call``).

The allocator is C that includes Python's and NumPy's headers, built at first use and
cached as the other native helpers are (``build.cached_build``).
"""

from __future__ import annotations

import ctypes
import sysconfig
from functools import cache
from pathlib import Path

import numpy as np

from descent_bench.native import build

SOURCE = "aligned_numpy.c"
INSTALL = "apt-get install python3-dev, or the platform's Python development package"


class AlignedUnavailable(RuntimeError):
    """The allocator did not build or load; the message says why."""


def _flags() -> tuple[str, ...]:
    # NumPy's version is in the flags so that a new NumPy gets a build of its own.
    return (
        "-O2",
        "-fPIC",
        "-shared",
        f"-I{sysconfig.get_paths()['include']}",
        f"-I{np.get_include()}",
        f'-DDESCENT_BENCH_NUMPY_VERSION="{np.__version__}"',
    )


@cache
def _library() -> ctypes.PyDLL | AlignedUnavailable:
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return AlignedUnavailable(f"Python's headers are not installed ({INSTALL})")
    try:
        library = ctypes.PyDLL(str(build.cached_build(SOURCE, _flags())))
    except build.NativeUnavailable as exc:
        return AlignedUnavailable(f"the aligned NumPy allocator did not build: {exc}")
    except OSError as exc:
        return AlignedUnavailable(f"the aligned NumPy allocator cannot be loaded: {exc}")
    library.descent_bench_align_numpy.restype = ctypes.c_int
    return library


def unavailable_reason() -> str | None:
    """Why the allocator cannot be built or loaded here, or None (builds it if needed)."""
    library = _library()
    return str(library) if isinstance(library, AlignedUnavailable) else None


def install() -> None:
    """Make the aligned allocator the default for every NumPy array made from now on;
    ``AlignedUnavailable`` says why not."""
    library = _library()
    if isinstance(library, AlignedUnavailable):
        raise library
    library.descent_bench_align_numpy()  # PyDLL raises the Python error it sets


def handler_name() -> str:
    """The name of the NumPy data allocator new arrays get now."""
    import importlib

    name = "numpy._core.multiarray" if hasattr(np, "_core") else "numpy.core.multiarray"
    return str(importlib.import_module(name).get_handler_name())
