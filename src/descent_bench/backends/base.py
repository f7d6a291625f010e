"""What every backend provides: one small object per array library.

The contract is small: ``name`` and ``distribution`` (the package whose version is reported),
``_load`` (import the library; ``BackendUnavailable`` says why it cannot run), ``xp`` (its
array-API namespace) and ``device``. The rest are hooks with defaults that fit a host library:
moving arrays, ``sync``, the K-step loop, the primitives beyond the standard (``faster_ops``),
devices, threads, the platform, and what the harness reads (the width its sums accumulate in,
its GPU's facts, its settings, notes and measured overhead for the table).

A backend object is one variant of its library (``Variant``): over how many devices, with
its faster primitives or the standard's alone, its loop compiled or eager; each variant is a
row of its own (``standard_only``, ``compiled_variant``, ``sharded``), labelled here.
"""

from __future__ import annotations

import importlib.metadata
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np

from descent_bench.backends.calls import Baseline, CallTime, Overhead, device_label
from descent_bench.backends.gpu_facts import GpuInfo
from descent_bench.kernels import Array, Data, Loop, Ops, Problem, Step


class BackendUnavailable(RuntimeError):
    """The backend cannot run on this machine; the message says why and how to fix it."""


@dataclass(frozen=True)
class Variant:
    """Which variant of its library a backend object is: over ``devices`` devices, with its
    faster primitives (``fused``) or the standard's alone, its loop ``compiled`` by the
    library's compiler or eager."""

    devices: int = 1
    fused: bool = True
    compiled: bool = False


class Backend:
    """One array library (the contract: the module). Nothing is imported before it is used."""

    name: ClassVar[str] = ""
    distribution: ClassVar[str] = ""
    # Measured by ``compare`` when no --backends are named (the conformance backend is not).
    in_default_compare: ClassVar[bool] = True
    # Label of the naive loop a user of this library writes first, a baseline row beside the
    # backend's own (``naive_loop``); None where the backend's loop is that.
    naive_label: ClassVar[str | None] = None
    # Whether ``sharded(n)`` splits data over n > 1 devices; ``join_processes`` joins hosts.
    splits_over_devices: ClassVar[bool] = False
    joins_processes: ClassVar[bool] = False
    # Whether its own K-step loop is compiled before it runs; whether every iteration waits
    # for a round trip to a scheduler (milliseconds: long runs are slow, e.g. dask).
    loop_compiles: ClassVar[bool] = False
    round_trip_per_iteration: ClassVar[bool] = False
    # The kernel's primitives done faster than the standard's (None: the standard's), and
    # whether the standard's alone are a row of its own (not where another row is: numpy's).
    faster_ops: ClassVar[type[Ops] | None] = None
    standard_only_row: ClassVar[bool] = True
    # Whether the library compiles the K-step loop as a variant of its own (torch.compile).
    has_compiler: ClassVar[bool] = False
    # Settings of the environment that change what this backend's rows measure (recorded
    # with a GPU result), and those a counted process passes on (by prefix) and sets.
    recorded_environment: ClassVar[tuple[str, ...]] = ()
    counted_prefixes: ClassVar[tuple[str, ...]] = ()
    counted_settings: ClassVar[tuple[tuple[str, str], ...]] = ()

    def __init__(self, variant: Variant | None = None) -> None:
        self.variant = variant or Variant()
        self._loaded = False

    # -- the variant ----------------------------------------------------------------------
    @property
    def n_devices(self) -> int:
        return self.variant.devices  # devices one array may be split over

    @property
    def fused(self) -> bool:
        """Whether the kernel's primitives are the backend's faster ones."""
        return self.faster_ops is not None and self.variant.fused

    @property
    def compiles(self) -> bool:
        """Whether the K-step loop is compiled before it runs (its own, or a variant)."""
        return self.loop_compiles or self.variant.compiled

    @property
    def label(self) -> str:
        """The row's name: the backend's, with its devices and variant where not one and
        the default."""
        label = device_label(self.name, self.n_devices)
        if self.faster_ops is not None and not self.variant.fused:
            label += "-standard"
        return label + ("-compiled" if self.variant.compiled else "")

    def with_variant(self, **changes: Any) -> Backend:
        return type(self)(replace(self.variant, **changes))  # another variant, not loaded

    def fresh(self) -> Backend:
        """A new object of this backend, nothing compiled or cached yet."""
        return type(self)(self.variant)

    def standard_only(self) -> Backend | None:
        """This backend with the kernel's primitives in their standard-only form, measured as
        a row of its own so the gain of a faster primitive stays visible; None where this
        backend's primitives are the standard ones (or another row already is that)."""
        if self.fused and self.standard_only_row:
            return self.with_variant(fused=False)
        return None

    def compiled_variant(self) -> Backend | None:
        """This backend with its K-step loop compiled by the library's compiler, measured as
        a row of its own beside the eager one; None where the backend's own loop is already
        compiled, or the library has no compiler."""
        if self.has_compiler and not self.variant.compiled:
            return self.with_variant(compiled=True)
        return None

    def sharded(self, n_devices: int) -> Backend:  # over ``n_devices`` devices
        if n_devices == self.n_devices:
            return self
        if not self.splits_over_devices:
            raise BackendUnavailable(f"{self.name} runs on one device; --devices > 1 needs jax")
        return self.with_variant(devices=n_devices)

    def baselines(self) -> list[Baseline]:
        """The loops a user of the library writes first: by default the naive loop, if any."""
        if self.naive_label is None:
            return []
        return [Baseline(self.naive_label, self.naive_loop, compiles=self.compiles)]

    # -- availability -------------------------------------------------------------------
    def _load(self) -> None:  # import the library, or raise ``BackendUnavailable``
        raise NotImplementedError

    def load(self) -> Backend:
        """Import the library; raise ``BackendUnavailable`` with a reason if it cannot run."""
        if not self._loaded:
            self._load()
            self._loaded = True
        return self

    def unavailable_reason(self) -> str | None:  # why it cannot run here, or None
        try:
            self.load()
        except BackendUnavailable as exc:
            return str(exc)
        return None

    def version(self) -> str | None:  # the installed version of ``distribution``
        try:
            return importlib.metadata.version(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return None

    # -- devices, processes, platform ------------------------------------------------------
    def join_processes(
        self, coordinator: str, num_processes: int, process_id: int, timeout: int = 300
    ) -> None:
        """Join a run over several processes (hosts) first; give up after ``timeout`` s."""
        raise BackendUnavailable(f"{self.name} runs in one process")

    def process_count(self) -> int:
        return 1

    def process_index(self) -> int:  # in a multi-process run
        return 0

    @property
    def device(self) -> Any:
        raise NotImplementedError

    def devices(self) -> list[str]:
        return [str(self.device)]

    def accelerators(self) -> list[str]:  # the accelerators (GPUs) among ``devices()``
        return []

    @property
    def platform(self) -> str:
        """Where the arrays live: 'cpu' or 'gpu'; rows on one platform share a ceiling."""
        return "cpu"

    def platform_reason(self) -> str:
        """Why the backend runs on ``platform`` (shown by ``info``, recorded in its JSON)."""
        return "a host library: its arrays are in host memory"

    def platform_warnings(self) -> list[str]:  # of the platform choice (a plugin failed)
        return []

    def gpu_facts(self) -> GpuInfo | None:  # of the GPU it runs on (None: a CPU, or none)
        return None

    def matmul_precision(self) -> str:  # of float32 products: 'full', or e.g. TF32
        return "full"

    def accumulation_dtype(self, dtype: str, form: str | None, points: int) -> str | None:
        """The type the sums over ``points`` data points accumulate in (inputs of ``dtype``,
        phrasing ``form``) where the backend vouches for their rounding being independent and
        unbiased (tested: docs/validation.md); float64 for fused float64 accumulators. None:
        the agreement bound takes the sums' worst case."""
        return None

    def row_notes(self) -> tuple[str, ...]:
        return ()  # what a reader of its rows should know (a fallback, how a result was forced)

    def overhead(self, loop: Loop, params: Array, data: Data, lr: float, k: int) -> Overhead | None:
        return None  # the part of an iteration outside computing, measured (dask: scheduling)

    def limit_threads(self, count: int) -> None:
        """From now on, the library's intra-op work on at most ``count`` threads (a pool
        fixed at start-up is held by CPU affinity instead: ``timing.threads``)."""

    def thread_count(self) -> int | None:  # the intra-op threads now, where it can say
        return None

    # -- arrays ---------------------------------------------------------------------------
    @property
    def xp(self) -> Any:
        """The array-API namespace of this backend."""
        raise NotImplementedError

    @property
    def ops(self) -> Ops:
        """The namespace with the kernel's primitives: the faster ones (``faster_ops``) where
        the backend has them and this variant uses them, else the standard's."""
        return self.faster_ops(self.xp) if self.faster_ops and self.fused else Ops(self.xp)

    def prepare(self, dtype: str) -> None:
        """Get ready to compute in ``dtype`` ('float32' or 'float64')."""
        self.load()

    def asarray(self, host: np.ndarray, dtype: str) -> Array:
        """Copy a host NumPy array to this backend's device, cast to ``dtype``."""
        self.prepare(dtype)
        return self.xp.asarray(np.asarray(host, dtype=dtype), device=self.device)

    def put(self, host: np.ndarray, dtype: str, axis: int | None) -> Array:
        """``asarray``, split along ``axis`` (the points) over several devices where any."""
        return self.asarray(host, dtype)

    def to_numpy(self, array: Array) -> np.ndarray:  # to a host NumPy array
        return np.asarray(array)

    def sync(self, result: Any) -> Any:
        """Block until ``result`` (an array or a tuple of arrays) is computed; return it."""
        return result

    def timed_call(self, fn: Callable[[], Any]) -> CallTime:
        """One call of ``fn`` synced inside its timed region: host seconds, and the device's
        own time where the backend has an event clock."""
        start = time.perf_counter()
        self.sync(fn())
        return CallTime(time.perf_counter() - start, None)

    def time_calls(self, fn: Callable[[], Any], repeat: int) -> list[float]:
        return [self.timed_call(fn).host_seconds for _ in range(repeat)]  # ``timed_call``'s

    def gradient_form(self, size: int) -> str:
        """How a problem of ``size`` phrases its gradient here (``kernels.FORMS``), chosen
        by measurement (docs/performance.md)."""
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
        """One compiled step called k times from Python (the ``naive_label`` row)."""
        ops = self.ops
        step = self.compile_step(lambda params, data, lr: problem.step(ops, params, data, lr))

        def run(params: Array, data: Sequence[Any], lr: float, k: int) -> Array:
            for _ in range(k):
                params = step(params, data, lr)
            return params

        return run

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label!r}>"
