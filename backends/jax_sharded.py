"""JAX over several devices: the points split over a one-axis mesh, one compiled program.

The data arrays are laid out along their points axis over the first N devices of JAX's
platform (``NamedSharding`` over a ``Mesh`` named "points"); the coefficients are replicated,
the paraboloid's walkers split like points. The K-step loop is the single-device one:
``jax.jit`` propagates the input shardings through ``lax.fori_loop``, so each device reduces
its own slice and XLA inserts one all-reduce of the d + 1 partial sums per iteration (see
docs/scaling.md for why this and not ``shard_map``). Sizes that do not divide by N are padded
with zeros, which the problems make exact (``zero_padding_form``, ``trim``).

Several hosts: call ``initialize_distributed`` (``jax.distributed.initialize``) in every
process first; the mesh then spans the devices of all processes, each process supplies its
own shards of the host data, and results are gathered to every process.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import BackendUnavailable
from .jax_backend import JaxBackend


def initialize_distributed(coordinator: str, num_processes: int, process_id: int) -> None:
    """Join a multi-process JAX run (before any other JAX call in this process)."""
    import jax

    jax.distributed.initialize(
        coordinator_address=coordinator, num_processes=num_processes, process_id=process_id
    )


class ShardedJaxBackend(JaxBackend):
    loop_kind = "jax.jit of lax.fori_loop over K steps, data sharded over N devices"
    naive_label = None

    def __init__(self, n_devices: int) -> None:
        super().__init__()
        self.n_devices = n_devices
        self.label = f"jax-{n_devices}dev"

    def _load(self) -> None:
        super()._load()
        import jax

        found = len(jax.devices())
        if found < self.n_devices:
            raise BackendUnavailable(
                f"{self.n_devices} devices asked for, jax sees {found} "
                f"({jax.devices()[0].platform}); on a CPU simulate more with "
                f"JAX_NUM_CPU_DEVICES={self.n_devices} "
                f"(or XLA_FLAGS=--xla_force_host_platform_device_count={self.n_devices})"
            )

    @property
    def mesh(self) -> Any:
        import jax
        from jax.sharding import Mesh

        return Mesh(np.array(jax.devices()[: self.n_devices]), ("points",))

    @property
    def device(self) -> Any:
        import jax

        first = jax.devices()[0]
        return f"{first.platform} x{self.n_devices} ({jax.process_count()} process(es))"

    def devices(self) -> list[str]:
        import jax

        return [str(d) for d in jax.devices()[: self.n_devices]]

    def put(self, host: np.ndarray, dtype: str, axis: int | None) -> Any:
        """Split ``host`` along ``axis`` over the mesh (padding with zeros to a multiple of
        the device count), or replicate it if ``axis`` is None."""
        import jax
        from jax.sharding import NamedSharding, PartitionSpec

        self.prepare(dtype)
        array = np.asarray(host, dtype=dtype)
        spec = [None] * array.ndim
        if axis is not None:
            axis %= array.ndim
            pad = -array.shape[axis] % self.n_devices
            if pad:
                widths = [(0, 0)] * array.ndim
                widths[axis] = (0, pad)
                array = np.pad(array, widths)
            spec[axis] = "points"
        sharding = NamedSharding(self.mesh, PartitionSpec(*spec))
        return jax.make_array_from_callback(array.shape, sharding, lambda index: array[index])

    def asarray(self, host: np.ndarray, dtype: str) -> Any:
        return self.put(host, dtype, axis=None)

    def to_numpy(self, array: Any) -> np.ndarray:
        if getattr(array, "is_fully_addressable", True):
            return np.asarray(array)
        from jax.experimental import multihost_utils

        return np.asarray(multihost_utils.process_allgather(array, tiled=True))
