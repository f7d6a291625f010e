"""JAX under ``jit``: K steps run as one compiled ``lax.fori_loop``, on one device or split
over several (``sharded``).

float64: JAX computes in float32 unless x64 is switched on. This backend switches it on
(``jax.config.update("jax_enable_x64", True)``) the first time float64 is asked for, not at
import, so float32 users keep JAX's defaults.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from descent_bench.backends.base import Backend, BackendUnavailable, Variant
from descent_bench.backends.calls import one_line, pieces
from descent_bench.backends.gpu_facts import GpuInfo, attempt
from descent_bench.backends.jax import platform as jax_platform
from descent_bench.backends.jax import sharding
from descent_bench.backends.jax.fused import CPU_COMPILER_OPTIONS, VariadicOps
from descent_bench.kernels import Array, Data, Loop, Step

MAX_TRIP = 2**31 - 1  # steps in one call of a compiled loop (its counter is an int32)
MATMUL_PRECISION = "highest"
# Points up to which the matrix-vector products' sums were measured to err as independent
# roundings do (docs/validation.md).
VOUCHED_PRODUCT_POINTS = 10**6  # never TF32 or bfloat16 passes for float32 products


class JaxBackend(Backend):
    name = "jax"
    distribution = "jax"
    naive_label = "jax-step"
    splits_over_devices = True
    joins_processes = True
    loop_compiles = True
    faster_ops = VariadicOps
    # Measured crossover of the two gradient phrasings on XLA:CPU (docs/performance.md).
    features_up_to = 50_000
    recorded_environment = (
        "JAX_PLATFORMS",
        "XLA_PYTHON_CLIENT_PREALLOCATE",
        "XLA_PYTHON_CLIENT_MEM_FRACTION",
        "XLA_PYTHON_CLIENT_ALLOCATOR",
        "XLA_FLAGS",
    )
    counted_prefixes = ("JAX_", "XLA_", "TF_CPP_")
    # jax's CPU client runs a dispatched computation on a thread of its own while Python
    # goes on; how the two interleave, and so the state of the heap both allocate from,
    # depends on the scheduling: a per-step jax row counted 0.1-0.2% apart between runs,
    # nearly all of it in glibc's malloc and free. Dispatched synchronously, it repeated
    # to within 70 instructions in 4.9 million. A counted row runs on one device; more CPU
    # devices (as in ``JAX_NUM_CPU_DEVICES=4``, which the test suite sets) only add threads
    # whose scheduling moved a per-step jax row's count outside the allocator by up to 38%.
    counted_settings = (("JAX_CPU_ENABLE_ASYNC_DISPATCH", "false"), ("JAX_NUM_CPU_DEVICES", "1"))

    def __init__(self, variant: Variant | None = None) -> None:
        super().__init__(variant)
        self._loops: dict[tuple[Any, Any], Loop] = {}

    def _load(self) -> None:
        """jax imports and starts its platform (the first ``jax.devices()``), or says why
        not. Several processes must join (``join_processes``) before this."""
        try:
            import jax
        except ImportError as exc:
            raise BackendUnavailable(
                "jax is not installed (pip install 'descent-bench[jax]')"
            ) from exc
        except Exception as exc:  # e.g. a malformed JAX_* environment variable
            raise BackendUnavailable(f"jax failed to import: {one_line(exc)}") from exc
        sharding.probe_xla_flags()
        try:
            found = len(jax.devices())
        except Exception as exc:  # a platform that cannot start: plugin, driver, settings
            platforms = os.environ.get("JAX_PLATFORMS")
            asked = f" with JAX_PLATFORMS={platforms!r}" if platforms else ""
            plugins = jax_platform.installed_plugins()
            installed = (
                f"plugins installed: {', '.join(plugins)}"
                if plugins
                else f"no accelerator plugin is installed; {jax_platform.INSTALL_HINT}"
            )
            raise BackendUnavailable(
                f"jax cannot start{asked}: {one_line(exc)} ({installed})"
            ) from exc
        if found < self.n_devices:
            raise BackendUnavailable(
                f"{self.n_devices} devices asked for, jax sees {found} "
                f"({jax.devices()[0].platform}); on a CPU simulate more with "
                f"JAX_NUM_CPU_DEVICES={self.n_devices} "
                f"(or XLA_FLAGS=--xla_force_host_platform_device_count={self.n_devices})"
            )

    # -- devices and processes -------------------------------------------------------------
    def join_processes(
        self, coordinator: str, num_processes: int, process_id: int, timeout: int = 300
    ) -> None:
        try:
            sharding.initialize_distributed(coordinator, num_processes, process_id, timeout)
        except ImportError:
            raise BackendUnavailable(
                "jax is not installed (pip install 'descent-bench[jax]')"
            ) from None
        except Exception as exc:  # a malformed JAX_* setting, a refused join
            raise BackendUnavailable(f"jax could not join: {one_line(exc)}") from exc

    def process_count(self) -> int:
        import jax

        return jax.process_count()

    def process_index(self) -> int:
        import jax

        return jax.process_index()

    @property
    def device(self) -> Any:
        import jax

        first = jax.devices()[0]
        if self.n_devices == 1:
            return first
        return f"{first.platform} x{self.n_devices} ({jax.process_count()} process(es))"

    def devices(self) -> list[str]:
        import jax

        return [str(d) for d in jax.devices()[: self.n_devices if self.n_devices > 1 else None]]

    def accelerators(self) -> list[str]:
        import jax

        return [str(d) for d in jax.devices() if d.platform != "cpu"]

    @property
    def platform(self) -> str:
        import jax

        platform = jax.devices()[0].platform
        return "gpu" if platform in ("gpu", "cuda", "rocm") else platform

    def matmul_precision(self) -> str:
        return f"full (default_matmul_precision={MATMUL_PRECISION!r})"

    def accumulation_dtype(self, dtype: str, form: str | None, points: int) -> str | None:
        """XLA's reductions, blocked and vectorised, in the input type; its matrix-vector
        products (the features phrasing) too up to ``VOUCHED_PRODUCT_POINTS``: their float32
        error grew faster than sqrt(N) from 10^6 to 10^7 points (docs/validation.md)."""
        if form == "elementwise" or points <= VOUCHED_PRODUCT_POINTS:
            return dtype
        return None

    def gpu_facts(self) -> GpuInfo | None:
        import jax

        device = jax.devices()[0]
        return device_facts(device) if self.platform == "gpu" else None

    def platform_reason(self) -> str:
        import jax

        return jax_platform.reason(jax.devices()[0].platform)

    def platform_warnings(self) -> list[str]:
        if self.unavailable_reason() is not None:
            return []  # the reason says it all
        import jax

        return jax_platform.warnings(jax.devices()[0].platform)

    # -- arrays ---------------------------------------------------------------------------
    @property
    def xp(self) -> Any:
        import jax.numpy

        return jax.numpy

    def compiler_options(self) -> dict[str, Any] | None:
        """XLA options for the compiled loop: fast math on the CPU, where the one-pass
        reduction needs it to vectorise (docs/performance.md)."""
        return CPU_COMPILER_OPTIONS if self.fused and self.platform == "cpu" else None

    def prepare(self, dtype: str) -> None:
        self.load()
        if dtype == "float64":
            import jax

            if not jax.config.read("jax_enable_x64"):
                jax.config.update("jax_enable_x64", True)

    def asarray(self, host: np.ndarray, dtype: str) -> Array:
        import jax

        self.prepare(dtype)
        if self.n_devices > 1:
            return sharding.put_split(host, dtype, None, self.n_devices)
        return jax.device_put(np.asarray(host, dtype=dtype), self.device)

    def put(self, host: np.ndarray, dtype: str, axis: int | None) -> Array:
        if self.n_devices == 1:
            return self.asarray(host, dtype)
        self.prepare(dtype)
        return sharding.put_split(host, dtype, axis, self.n_devices)

    def to_numpy(self, array: Array) -> np.ndarray:
        return sharding.gather(array) if self.n_devices > 1 else np.asarray(array)

    def sync(self, result: Any) -> Any:
        import jax

        return jax.block_until_ready(result)

    # -- execution ------------------------------------------------------------------------
    def gradient_form(self, size: int) -> str:
        """With the one-pass moments: elementwise at every size (docs/performance.md).
        Standard-only: small N: one fused matrix-vector product pair is fastest (fewer,
        larger kernels); large N: XLA streams x and y through Horner's rule instead of a
        (d+1) x N matrix."""
        if self.fused:
            return "elementwise"
        return "features" if size <= self.features_up_to else "elementwise"

    def compile_step(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        import jax

        def pinned(*args: Any) -> Any:
            with jax.default_matmul_precision(MATMUL_PRECISION):
                return fn(*args)

        return jax.jit(pinned, compiler_options=self.compiler_options())

    def program(self, step: Step) -> Any:
        """The jitted K-step program of ``step`` (``jax.jit``'s function, with ``lower``);
        one per step, and jit itself caches it per shape, dtype and K.

        ``k`` is static: the compiled loop has a known trip count, which XLA:GPU runs without
        copying the loop condition to the host and waiting for it every iteration (it does so
        for a loop whose count is a traced value). A new K compiles again, so callers use few
        of them: ``compile_loop`` runs equal pieces and one remainder, ``descend`` one chunk
        and one remainder. ``params``, ``data`` and ``lr`` are traced: a new learning rate or
        start does not recompile.
        """
        # Bound methods compare their instance by identity; key on the (frozen, comparable)
        # problem instead, so equal problems share one program.
        key = (getattr(step, "__func__", step), getattr(step, "__self__", None))
        program = self._loops.get(key)
        if program is None:
            import jax

            ops = self.ops

            def loop(params: Array, data: Data, lr: Any, k: int) -> Array:
                # Full float32 products: on NVIDIA GPUs jax's default lets float32 matrix
                # products run in TF32 (10-bit mantissa), outside the agreement bound.
                with jax.default_matmul_precision(MATMUL_PRECISION):
                    return jax.lax.fori_loop(0, k, lambda _, p: step(ops, p, data, lr), params)

            program = jax.jit(loop, static_argnames="k", compiler_options=self.compiler_options())
            self._loops[key] = program
        return program

    def compile_loop(self, step: Step) -> Loop:
        """``program(step)``, called in ``pieces``: each waited for before the next, so that
        Ctrl-C is honoured between them, and none beyond ``MAX_TRIP`` steps (K is an int32
        inside the program). A timed call of ``compare``'s default K is one piece; a longer
        one compiles at most two programs (the piece and the remainder)."""
        import jax

        program = self.program(step)

        def run(params: Array, data: Data, lr: float, k: int) -> Array:
            elements = sum(int(a.size) for a in (params, *data))
            *whole, last = pieces(k, elements, MAX_TRIP) or [0]
            for piece in whole:
                params = jax.block_until_ready(program(params, data, lr, k=piece))
            return program(params, data, lr, k=last)

        return run


def device_facts(device: Any) -> GpuInfo:
    """A jax GPU device's own attributes (fewer than NVML's: no driver, clocks or power)."""
    stats = attempt(device.memory_stats) or {}
    version = attempt(lambda: str(device.client.platform_version))
    return GpuInfo(
        source="jax",
        name=getattr(device, "device_kind", None),
        cuda_runtime=version,
        compute_capability=getattr(device, "compute_capability", None),
        memory_bytes=stats.get("bytes_limit"),
        sm_count=getattr(device, "core_count", None),  # a CUDA device's: its SMs
    )
