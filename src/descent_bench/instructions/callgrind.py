"""callgrind's client requests, callable from Python: ``start`` and ``stop`` switch
instrumentation on and off around the call that is counted (a process run under
``valgrind --tool=callgrind --instr-atstart=no`` counts nothing else). Outside valgrind they
do nothing.

The requests are macros of ``valgrind/callgrind.h``: ``native/callgrind.c`` wraps them in
three functions, built at first use with the C compiler and cached as the C references are
(``build.cached_build``). Without valgrind's headers ``HelperUnavailable`` says what to
install.
"""

from __future__ import annotations

import ctypes
from functools import cache

from descent_bench.native import build

FLAGS = ("-O2", "-fPIC", "-shared")
INSTALL = "apt-get install valgrind, or the platform's valgrind package"


class HelperUnavailable(RuntimeError):
    """The helper did not build (no compiler, or no valgrind headers); the message says why."""


@cache
def _library() -> ctypes.CDLL | HelperUnavailable:
    try:
        path = build.cached_build("callgrind.c", FLAGS)
        library = ctypes.CDLL(str(path))
    except build.NativeUnavailable as exc:
        detail = str(exc)
        if "callgrind.h" in detail:
            detail = f"valgrind's headers are not installed ({INSTALL})"
        return HelperUnavailable(f"the callgrind helper did not build: {detail}")
    except OSError as exc:
        return HelperUnavailable(f"the callgrind helper cannot be loaded: {exc}")
    library.descent_bench_on_valgrind.restype = ctypes.c_int
    return library


def load() -> ctypes.CDLL:
    """The built helper; ``HelperUnavailable`` says why not."""
    library = _library()
    if isinstance(library, HelperUnavailable):
        raise library
    return library


def unavailable_reason() -> str | None:
    library = _library()
    return str(library) if isinstance(library, HelperUnavailable) else None


def start() -> None:
    """Zero callgrind's counts and switch instrumentation on (outside valgrind: nothing)."""
    load().descent_bench_count_start()


def stop() -> None:
    """Switch instrumentation off (outside valgrind: nothing)."""
    load().descent_bench_count_stop()


def on_valgrind() -> bool:
    """Whether this process runs under valgrind."""
    return bool(load().descent_bench_on_valgrind())
