"""JAX under ``jit``: K steps run as one compiled ``lax.fori_loop``.

float64: JAX computes in float32 unless x64 is switched on. This backend switches it on
(``jax.config.update("jax_enable_x64", True)``) the first time float64 is asked for, not at
import, so float32 users keep JAX's defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .base import Backend, BackendUnavailable, Step


class JaxBackend(Backend):
    name = "jax"
    distribution = "jax"
    loop_kind = "jax.jit of lax.fori_loop over K steps (one compiled program)"

    def __init__(self) -> None:
        super().__init__()
        self._loops: dict[tuple[Any, Any], Callable[..., Any]] = {}

    def _load(self) -> None:
        try:
            import jax  # noqa: F401
        except ImportError as exc:
            raise BackendUnavailable(
                "jax is not installed (pip install 'descent-bench[jax]')"
            ) from exc

    @property
    def xp(self) -> Any:
        import jax.numpy

        return jax.numpy

    @property
    def device(self) -> Any:
        import jax

        return jax.devices()[0]

    def devices(self) -> list[str]:
        import jax

        return [str(d) for d in jax.devices()]

    def sharded(self, n_devices: int) -> Backend:
        """This backend over the first ``n_devices`` devices (itself for one)."""
        if n_devices == 1:
            return self
        from .jax_sharded import ShardedJaxBackend

        return ShardedJaxBackend(n_devices)

    def prepare(self, dtype: str) -> None:
        self.load()
        if dtype == "float64":
            import jax

            if not jax.config.jax_enable_x64:
                jax.config.update("jax_enable_x64", True)

    def asarray(self, host: np.ndarray, dtype: str) -> Any:
        import jax

        self.prepare(dtype)
        return jax.device_put(np.asarray(host, dtype=dtype), self.device)

    def sync(self, result: Any) -> Any:
        import jax

        return jax.block_until_ready(result)

    naive_label = "jax-step"
    # Measured crossover of the two gradient phrasings on XLA:CPU (docs/performance.md).
    features_up_to = 50_000

    def gradient_form(self, size: int) -> str:
        """Small N: one fused matrix-vector product pair is fastest (fewer, larger kernels).
        Large N: XLA streams x and y through Horner's rule instead of a (d+1) x N matrix."""
        return "features" if size <= self.features_up_to else "elementwise"

    @property
    def platform(self) -> str:
        import jax

        platform = jax.devices()[0].platform
        return "gpu" if platform in ("gpu", "cuda", "rocm") else platform

    def compile_step(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        import jax

        return jax.jit(fn)

    def compile_loop(self, step: Step) -> Callable[[Any, Sequence[Any], float, int], Any]:
        """One jitted program per step; jit itself caches it per shape and dtype.

        ``params``, ``data``, ``lr`` and ``k`` are all traced arguments, so neither a new
        learning rate nor a new iteration count recompiles.
        """
        # Bound methods compare their instance by identity; key on the (frozen, comparable)
        # problem instead, so equal problems share one program.
        key = (getattr(step, "__func__", step), getattr(step, "__self__", None))
        run = self._loops.get(key)
        if run is None:
            import jax
            import jax.numpy as jnp

            def loop(params: Any, data: Sequence[Any], lr: Any, k: Any) -> Any:
                return jax.lax.fori_loop(0, k, lambda _, p: step(jnp, p, data, lr), params)

            run = jax.jit(loop)
            self._loops[key] = run
        return run
