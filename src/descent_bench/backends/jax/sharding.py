"""Laying arrays out over several JAX devices, and joining several processes.

The data arrays are split along their points axis over the first N devices of JAX's platform
(``NamedSharding`` over a one-axis ``Mesh`` named "points"); the coefficients are replicated,
the paraboloid's walkers split like points. The K-step loop stays the single-device one:
``jax.jit`` propagates the input shardings through ``lax.fori_loop``, so each device reduces
its own slice and XLA inserts one all-reduce of the d + 1 partial sums per iteration (see
docs/scaling.md for why this and not ``shard_map``). Sizes that do not divide by N are padded
with zeros, which the problems make exact (``zero_padding_form``, ``trim``).

Several hosts: ``initialize_distributed`` (``jax.distributed.initialize``) in every process
first; the mesh then spans the devices of all processes, each process supplies its own shards
of the host data, and results are gathered to every process.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

import numpy as np

AXIS = "points"


def initialize_distributed(
    coordinator: str, num_processes: int, process_id: int, timeout: int = 300
) -> None:
    """Join a multi-process JAX run (before any other JAX call in this process), waiting at
    most ``timeout`` seconds for every process."""
    import jax

    jax.distributed.initialize(
        coordinator_address=coordinator,
        num_processes=num_processes,
        process_id=process_id,
        initialization_timeout=timeout,
    )


def probe_xla_flags() -> None:
    """XLA aborts the whole process on a flag it does not know. When ``XLA_FLAGS`` is set,
    start jax once in a child process first (about a second, only then); if that child dies,
    raise ``BackendUnavailable`` with its last line instead of dying here."""
    flags = os.environ.get("XLA_FLAGS", "").strip()
    if not flags or flags in _PROBED:
        return
    from descent_bench.backends.base import BackendUnavailable

    try:
        child = subprocess.run(
            [sys.executable, "-c", "import jax; jax.devices()"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        message = f"jax could not be probed with XLA_FLAGS={flags!r}: {exc}"
        raise BackendUnavailable(message) from None
    fatal = re.search(r"^F\d{4} ", child.stderr, re.MULTILINE)  # XLA's own fatal log line
    if child.returncode < 0 or child.returncode == 134 or (child.returncode and fatal):
        message = f"jax cannot start with XLA_FLAGS={flags!r}: {cause(child.stderr)}"
        raise BackendUnavailable(message)
    # Any other failure is a Python error that the in-process start reports better itself.
    _PROBED.add(flags)


def cause(stderr: str) -> str:
    """The line of a dying XLA that says why: its first error (E) log line, else its fatal
    (F) one (the flag help it may print after them says nothing)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"E\d{4} ", line)]
    fatal = [line for line in lines if re.match(r"F\d{4} ", line)]
    return (errors or fatal or lines or ["no message"])[0]


_PROBED: set[str] = set()


def mesh(n_devices: int) -> Any:
    """A one-axis mesh over the first ``n_devices`` devices."""
    import jax
    from jax.sharding import Mesh

    return Mesh(np.array(jax.devices()[:n_devices]), (AXIS,))


def put_split(host: np.ndarray, dtype: str, axis: int | None, n_devices: int) -> Any:
    """``host`` split along ``axis`` over ``n_devices`` devices (padded with zeros to a
    multiple of the device count), or replicated on them if ``axis`` is None."""
    import jax
    from jax.sharding import NamedSharding, PartitionSpec

    array = np.asarray(host, dtype=dtype)
    spec: list[str | None] = [None] * array.ndim
    if axis is not None:
        axis %= array.ndim
        pad = -array.shape[axis] % n_devices
        if pad:
            widths = [(0, 0)] * array.ndim
            widths[axis] = (0, pad)
            array = np.pad(array, widths)
        spec[axis] = AXIS
    sharding = NamedSharding(mesh(n_devices), PartitionSpec(*spec))
    return jax.make_array_from_callback(array.shape, sharding, lambda index: array[index])


def gather(array: Any) -> np.ndarray:
    """The whole of ``array`` on this host, from every process's shards."""
    if getattr(array, "is_fully_addressable", True):
        return np.asarray(array)
    from jax.experimental import multihost_utils

    return np.asarray(multihost_utils.process_allgather(array, tiled=True))
