"""The array-API shim: one small backend object per array library, and the registry.

Importing this package imports neither jax nor cupy: each backend loads its library the first
time it is used. ``_REGISTRY`` is the only list of backends: the command line, the measurement
suite, the tests, the asv suite and the pytest-benchmark suite all read it through ``names``.
Adding a backend is one module and one line there (``register`` does it at run time).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from descent_bench.backends.base import Backend, BackendUnavailable, Variant
from descent_bench.backends.calls import Baseline

__all__ = [
    "Backend",
    "BackendStatus",
    "BackendUnavailable",
    "Baseline",
    "Variant",
    "available",
    "get",
    "host",
    "load",
    "names",
    "register",
    "unregister",
]

# name -> "module:class", imported on demand. Append new backends at the end: asv names a
# benchmark's parameters by their position in this list, over every commit it measures.
_REGISTRY: dict[str, str | Callable[[], Backend]] = {
    "numpy": "descent_bench.backends.numpy:NumpyBackend",
    "jax": "descent_bench.backends.jax:JaxBackend",
    "cupy": "descent_bench.backends.cupy:CupyBackend",
    "strict": "descent_bench.backends.strict:StrictBackend",
    "numba": "descent_bench.backends.numba:NumbaBackend",
    "torch": "descent_bench.backends.torch:TorchBackend",
    "torch:cuda": "descent_bench.backends.torch:TorchCudaBackend",
}
_INSTANCES: dict[str, Backend] = {}


@dataclass(frozen=True)
class BackendStatus:
    name: str
    usable: bool
    reason: str | None
    version: str | None
    devices: tuple[str, ...]
    accelerators: tuple[str, ...]
    # Where a usable backend runs ('cpu', 'gpu'), why, and warnings about that choice.
    platform: str | None = None
    platform_reason: str | None = None
    warnings: tuple[str, ...] = ()


def names() -> list[str]:
    """Every known backend, usable here or not."""
    return list(_REGISTRY)


def register(name: str, factory: str | Callable[[], Backend]) -> None:
    """Add a backend under ``name``: made by ``factory`` (e.g. its class), or named as a
    registry line names one ("package.module:Class", imported at its first use)."""
    _REGISTRY[name] = factory
    _INSTANCES.pop(name, None)


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)
    _INSTANCES.pop(name, None)


def get(name: str) -> Backend:
    """The backend called ``name`` (not yet loaded). ``KeyError`` names the known ones."""
    if name not in _REGISTRY:
        raise KeyError(f"unknown backend {name!r} (choose from {', '.join(_REGISTRY)})")
    if name not in _INSTANCES:
        entry = _REGISTRY[name]
        if isinstance(entry, str):
            module, cls = entry.split(":")
            entry = getattr(importlib.import_module(module), cls)
        _INSTANCES[name] = entry()
    return _INSTANCES[name]


def load(name: str) -> Backend:
    """The backend called ``name``, loaded; ``BackendUnavailable`` says why it can't run."""
    return get(name).load()


# The backend whose arrays are host NumPy arrays: the tutorial's loop, the C loop and the
# reference of last resort run on it.
HOST = "numpy"


def host() -> Backend:
    """The host backend (``HOST``), loaded."""
    return load(HOST)


def status(name: str) -> BackendStatus:
    """Whether backend ``name`` can run here (loading its library to find out) and, if not,
    why; where it can, its devices and platform."""
    backend = get(name)
    reason = backend.unavailable_reason()
    usable = reason is None
    return BackendStatus(
        name,
        usable,
        reason,
        backend.version(),
        tuple(backend.devices()) if usable else (),
        tuple(backend.accelerators()) if usable else (),
        backend.platform if usable else None,
        backend.platform_reason() if usable else None,
        tuple(backend.platform_warnings()),
    )


def available() -> list[BackendStatus]:
    """Every known backend with whether it can run here and, if not, why."""
    return [status(name) for name in _REGISTRY]


def versions() -> dict[str, str]:
    """The installed version of every known backend's library, read from the installed
    packages' metadata: no library is imported."""
    found = {name: get(name).version() for name in _REGISTRY}
    return {name: version for name, version in found.items() if version is not None}
