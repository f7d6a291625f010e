"""What every backend provides: one small object per array library.

A backend is the array library's namespace (with the kernel's extra primitives, ``ops``), its
device(s), host<->device moves, ``sync`` and the K-step loop, and the capabilities the harness
asks about instead of checking names: several devices, several processes, accelerators to
list, and the naive loop a user of the library writes first.
"""

from __future__ import annotations

import importlib.metadata
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from descent_bench.kernels import Array, Data, Loop, Ops, Problem, Step

# Element-iterations one uninterrupted call may run: about a tenth of a second to a second
# on a CPU, so that Ctrl-C is honoured between calls (Python handles signals only there).
PIECE_ELEMENTS = 5 * 10**8


def pieces(k: int, elements: int, limit: int = 2**31 - 1) -> list[int]:
    """``k`` iterations as calls of at most ``PIECE_ELEMENTS`` element-iterations (and at
    most ``limit`` iterations) each: equal pieces and one remainder. A timed call of
    ``compare``'s default K is one piece."""
    size = max(1, min(limit, PIECE_ELEMENTS // max(1, elements)))
    return [size] * (k // size) + ([k % size] if k % size else [])


def one_line(exc: BaseException) -> str:
    """An exception as one line: its type, and its message's last non-empty line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[-1]}" if lines else type(exc).__name__


@dataclass(frozen=True)
class CallTime:
    """One timed call: ``host_seconds`` (perf_counter around the call and its sync, the clock
    every row is compared on) and ``device_seconds`` (the device's own events around the same
    call, where the backend has them: CUDA events for CuPy)."""

    host_seconds: float
    device_seconds: float | None


class BackendUnavailable(RuntimeError):
    """The backend cannot run on this machine; the message says why and how to fix it."""


def device_label(name: str, devices: int) -> str:
    """A backend's row name over ``devices`` devices: its name, or e.g. ``jax-4dev``."""
    return name if devices == 1 else f"{name}-{devices}dev"


@dataclass(frozen=True)
class Baseline:
    """A loop a user of the library writes first, measured as a row beside the backend's
    own: its label, its loop for a problem (None: none for that problem, so no row), and the
    gradient phrasing whose data it reads (None: the backend's choice)."""

    label: str
    make_loop: Callable[[Problem], Loop | None]
    form: str | None = None
    compiles: bool = False  # compiled at its first call (a compile time), e.g. jit of a step


class Backend:
    """One array library.

    Subclasses set ``name``, ``distribution`` (the package whose version is reported) and
    implement ``_load`` (import the library, raise ``BackendUnavailable`` if it cannot run),
    ``xp`` and ``device``. Nothing is imported until a method needs the library.
    """

    name: ClassVar[str] = ""
    distribution: ClassVar[str] = ""
    # Measured by ``compare`` when no --backends are named (the conformance backend is not).
    in_default_compare: ClassVar[bool] = True
    # Label of the naive loop a user of this library writes first, measured as a baseline row
    # beside the backend's own loop (``naive_loop``); None where the backend's loop is that.
    naive_label: ClassVar[str | None] = None
    # Whether ``sharded(n)`` can split data over n > 1 devices, and whether
    # ``join_processes`` can join a run of several processes (hosts).
    splits_over_devices: ClassVar[bool] = False
    joins_processes: ClassVar[bool] = False
    # Whether the K-step loop is compiled before it runs (its cost grows with the program).
    compiles: bool = False  # a class's default; a compiled variant object may set its own

    def __init__(self) -> None:
        self._loaded = False

    @property
    def n_devices(self) -> int:
        """Devices one array may be split over."""
        return 1

    @property
    def label(self) -> str:
        """The row name in tables: the name, with the device count where data is split."""
        return device_label(self.name, self.n_devices)

    def fresh(self) -> Backend:
        """A new object of this backend with nothing compiled or cached yet."""
        return type(self)()

    def standard_only(self) -> Backend | None:
        """This backend with the kernel's primitives in their standard-only form, measured as
        a row of its own so the gain of a faster primitive stays visible; None where this
        backend's primitives are the standard ones (or another row already is that)."""
        return None

    def compiled_variant(self) -> Backend | None:
        """This backend with its K-step loop compiled by the library's compiler, measured as
        a row of its own beside the eager one; None where the backend's own loop is already
        compiled, or the library has no compiler."""
        return None

    def baselines(self) -> list[Baseline]:
        """The loops a user of this library writes first: by default the naive loop
        (``naive_loop``, labelled ``naive_label``) where there is one."""
        if self.naive_label is None:
            return []
        return [Baseline(self.naive_label, self.naive_loop, compiles=self.compiles)]

    # -- availability -------------------------------------------------------------------
    def _load(self) -> None:
        raise NotImplementedError

    def load(self) -> Backend:
        """Import the library; raise ``BackendUnavailable`` with a reason if it cannot run."""
        if not self._loaded:
            self._load()
            self._loaded = True
        return self

    def unavailable_reason(self) -> str | None:
        try:
            self.load()
        except BackendUnavailable as exc:
            return str(exc)
        return None

    def version(self) -> str | None:
        try:
            return importlib.metadata.version(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return None

    # -- devices and processes -------------------------------------------------------------
    def sharded(self, n_devices: int) -> Backend:
        """This backend over ``n_devices`` devices (itself for one)."""
        if n_devices == 1:
            return self
        raise BackendUnavailable(f"{self.name} runs on one device; --devices > 1 needs jax")

    def join_processes(
        self, coordinator: str, num_processes: int, process_id: int, timeout: int = 300
    ) -> None:
        """Join a run spanning several processes (hosts), before any other use; give up
        after ``timeout`` seconds without all of them."""
        raise BackendUnavailable(f"{self.name} runs in one process")

    def process_count(self) -> int:
        return 1

    def process_index(self) -> int:
        """This process's index in a multi-process run; only process 0 reports."""
        return 0

    @property
    def device(self) -> Any:
        raise NotImplementedError

    def devices(self) -> list[str]:
        return [str(self.device)]

    def accelerators(self) -> list[str]:
        """The accelerators (GPUs) among ``devices()``, for the machine description."""
        return []

    @property
    def platform(self) -> str:
        """Where the arrays live: 'cpu' or 'gpu'; rows on one platform share a bandwidth ceiling."""
        return "cpu"

    def platform_reason(self) -> str:
        """Why the backend runs on ``platform`` (shown by ``info``, recorded in its JSON)."""
        return "a host library: its arrays are in host memory"

    def matmul_precision(self) -> str:
        """How float32 matrix products are computed: 'full', or a faster mode in use (e.g.
        TF32 on NVIDIA GPUs), which the agreement bound and the row label must then say."""
        return "full"

    def platform_warnings(self) -> list[str]:
        """What the user should know about the platform choice, e.g. an accelerator plugin
        that is installed but failed, so the backend fell back to the CPU."""
        return []

    # -- threads --------------------------------------------------------------------------
    def limit_threads(self, count: int) -> None:
        """From now on in this process, run the library's intra-op work (BLAS, its own thread
        pool) on at most ``count`` threads. The measurement calls it in each worker process
        before anything is timed; libraries whose pool is fixed at start-up are held to
        ``count`` by the process's CPU affinity instead (``measurement.threads``)."""

    def thread_count(self) -> int | None:
        """The intra-op threads the library uses now, where it can say (recorded per row)."""
        return None

    # -- arrays ---------------------------------------------------------------------------
    @property
    def xp(self) -> Any:
        """The array-API namespace of this backend."""
        raise NotImplementedError

    @property
    def ops(self) -> Ops:
        """The namespace with the kernel's extra primitives (standard-only by default)."""
        return Ops(self.xp)

    def prepare(self, dtype: str) -> None:
        """Get ready to compute in ``dtype`` ('float32' or 'float64')."""
        self.load()

    def asarray(self, host: np.ndarray, dtype: str) -> Array:
        """Copy a host NumPy array to this backend's device, cast to ``dtype``."""
        self.prepare(dtype)
        return self.xp.asarray(np.asarray(host, dtype=dtype), device=self.device)

    def put(self, host: np.ndarray, dtype: str, axis: int | None) -> Array:
        """Like ``asarray``; ``axis`` is the array's points axis (None: none), which a backend
        spanning several devices splits over them. One device: ``asarray``."""
        return self.asarray(host, dtype)

    def to_numpy(self, array: Array) -> np.ndarray:
        return np.asarray(array)

    def sync(self, result: Any) -> Any:
        """Block until ``result`` (an array or a tuple of arrays) is computed; return it."""
        return result

    def timed_call(self, fn: Callable[[], Any]) -> CallTime:
        """One call of ``fn`` synced inside its timed region: host seconds, and the device's
        own time of it where the backend has an event clock (None here)."""
        start = time.perf_counter()
        self.sync(fn())
        return CallTime(time.perf_counter() - start, None)

    def time_calls(self, fn: Callable[[], Any], repeat: int) -> list[float]:
        """Host seconds of each of ``repeat`` calls of ``fn``, each synced inside its timed
        region: the one clock every row of every device is timed with."""
        return [self.timed_call(fn).host_seconds for _ in range(repeat)]

    # -- execution ------------------------------------------------------------------------
    def gradient_form(self, size: int) -> str:
        """How a problem of ``size`` (points, walkers) phrases its gradient here
        (``kernels.FORMS``), chosen by measurement: see docs/performance.md."""
        return "elementwise"

    def compile_step(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` compiled for this backend where the library compiles (jit), else ``fn``."""
        return fn

    def compile_loop(self, step: Step) -> Loop:
        """Return ``run(params, data, lr, k)`` that applies ``step`` k times."""
        ops = self.ops

        def run(params: Array, data: Data, lr: float, k: int) -> Array:
            for _ in range(k):
                params = step(ops, params, data, lr)
            return params

        return run

    def naive_loop(self, problem: Problem) -> Loop:
        """One compiled step called k times from Python: what a user writes before a
        compiled loop (the ``naive_label`` row)."""
        ops = self.ops
        step = self.compile_step(lambda params, data, lr: problem.step(ops, params, data, lr))

        def run(params: Array, data: Sequence[Any], lr: float, k: int) -> Array:
            for _ in range(k):
                params = step(params, data, lr)
            return params

        return run

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label!r}>"
