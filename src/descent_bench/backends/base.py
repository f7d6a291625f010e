"""What every backend provides: one small object per array library.

The contract a backend must meet is small: ``name`` and ``distribution`` (the package whose
version is reported), ``_load`` (import the library; ``BackendUnavailable`` says why it
cannot run), ``xp`` (its array-API namespace) and ``device``. Everything else is a hook with a
default that fits a host library: moving arrays (``asarray``, ``to_numpy``), ``sync``, the
K-step loop (``compile_loop``), the primitives beyond the standard (``faster_ops``), devices
and processes, threads, the platform, and what the harness reads of it (the width its sums
accumulate in, its GPU's facts, the settings that change what it measures).

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

from descent_bench.backends.calls import Baseline, CallTime, device_label
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
    # Label of the naive loop a user of this library writes first, measured as a baseline row
    # beside the backend's own loop (``naive_loop``); None where the backend's loop is that.
    naive_label: ClassVar[str | None] = None
    # Whether ``sharded(n)`` splits data over n > 1 devices; ``join_processes`` joins hosts.
    splits_over_devices: ClassVar[bool] = False
    joins_processes: ClassVar[bool] = False
    # Whether the backend's own K-step loop is compiled before it runs.
    loop_compiles: ClassVar[bool] = False
    # The kernel's primitives done faster than the standard's (None: the standard's), and
    # whether computing with the standard's alone is a row of its own (not where another
    # backend's row is that, as numpy's is numba's).
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

    def sharded(self, n_devices: int) -> Backend:
        """This backend over ``n_devices`` devices (itself for the same count)."""
        if n_devices == self.n_devices:
            return self
        if not self.splits_over_devices:
            raise BackendUnavailable(f"{self.name} runs on one device; --devices > 1 needs jax")
        return self.with_variant(devices=n_devices)

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

    def process_index(self) -> int:  # this process's index in a multi-process run
        return 0

    @property
    def device(self) -> Any:
        raise NotImplementedError

    def devices(self) -> list[str]:
        return [str(self.device)]

    def accelerators(self) -> list[str]:
        """The accelerators (GPUs) among ``devices()``."""
        return []

    @property
    def platform(self) -> str:
        """Where the arrays live: 'cpu' or 'gpu'; rows on one platform share a ceiling."""
        return "cpu"

    def platform_reason(self) -> str:
        """Why the backend runs on ``platform`` (shown by ``info``, recorded in its JSON)."""
        return "a host library: its arrays are in host memory"

    def platform_warnings(self) -> list[str]:
        """What the user should know of the platform choice (a plugin that failed)."""
        return []

    def gpu_facts(self) -> GpuInfo | None:
        """What the library says of the GPU it runs on (None: on a CPU, or nothing)."""
        return None

    def matmul_precision(self) -> str:
        """How float32 matrix products are computed: 'full', or a faster mode (TF32)."""
        return "full"

    def accumulation_dtype(self, dtype: str, form: str | None, points: int) -> str | None:
        """The type the sums over ``points`` data points accumulate in (inputs of ``dtype``,
        phrasing ``form``) where the backend vouches for their rounding being independent and
        unbiased (tested: docs/validation.md); float64 for fused float64 accumulators. None:
        the agreement bound takes the sums' worst case."""
        return None

    def limit_threads(self, count: int) -> None:
        """From now on, the library's intra-op work on at most ``count`` threads (a pool
        fixed at start-up is held by CPU affinity instead: ``timing.threads``)."""

    def thread_count(self) -> int | None:
        """The intra-op threads the library uses now, where it can say."""
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
        """Host seconds of each of ``repeat`` synced calls of ``fn`` (``timed_call``)."""
        return [self.timed_call(fn).host_seconds for _ in range(repeat)]

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
