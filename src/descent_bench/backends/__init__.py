"""The array-API shim: one small backend object per array library, and the registry.

Importing this package imports neither jax nor cupy: each backend loads its library the first
time it is used. ``names`` is the only list of backends, read by the command line, the
measurement suite, the tests, the asv suite and the pytest-benchmark suite: the built-in ones
(``_REGISTRY``: adding one is a package and one line there; ``register`` at run time), then
those installed packages register under the ``descent_bench.backends`` entry point group
(``plugins``), then the array-API namespaces named in ``DESCENT_BENCH_XP`` (``xp:MODULE``,
comma-separated; ``namespace``). ``get`` also makes any ``xp:MODULE`` named to it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass

from descent_bench.backends import namespace, plugins
from descent_bench.backends.base import Backend, BackendUnavailable, Variant
from descent_bench.backends.calls import Baseline

__all__ = [
    "Backend",
    "BackendStatus",
    "BackendUnavailable",
    "Baseline",
    "Variant",
    "available",
    "broken",
    "built_in",
    "get",
    "host",
    "known",
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
_BUILT_IN = tuple(_REGISTRY)  # the names a plugin cannot take
_INSTANCES: dict[str, Backend] = {}
# A running distributed scheduler's address, for the backends that use one (dask): set by
# ``--scheduler``, read in every measuring process; unset, each starts a local cluster.
SCHEDULER_VARIABLE = "DESCENT_BENCH_SCHEDULER"
# The namespaces ``names`` lists beside the registry: "xp:MODULE" for each MODULE here.
NAMESPACES_VARIABLE = "DESCENT_BENCH_XP"
_PLUGINS: list[plugins.Found] = []  # read once


def _plugins() -> plugins.Found:
    """The entry points' backends, read once (``plugins.discover``)."""
    if not _PLUGINS:
        _PLUGINS.append(plugins.discover(_BUILT_IN))
        for name, cls in _PLUGINS[0].classes.items():
            _REGISTRY.setdefault(name, cls)
    return _PLUGINS[0]


def broken() -> dict[str, str]:
    """The installed plugins that cannot be used, each with the one line that says why."""
    return dict(_plugins().broken)


def _named_namespaces() -> list[str]:
    listed = os.environ.get(NAMESPACES_VARIABLE, "")
    return [f"{namespace.PREFIX}{m.strip()}" for m in listed.split(",") if m.strip()]


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
    """Every known backend, usable here or not: the built-in ones, the plugins', the
    namespaces of ``DESCENT_BENCH_XP``."""
    _plugins()
    return list(dict.fromkeys([*_REGISTRY, *_named_namespaces()]))


def built_in() -> tuple[str, ...]:
    """The backends of this package (``_REGISTRY`` as written), without plugins."""
    return _BUILT_IN


def known(name: str) -> bool:
    """Whether ``get(name)`` makes a backend: a listed one, or any ``xp:MODULE``."""
    return name in names() or namespace.is_namespace_name(name)


def register(name: str, factory: str | Callable[[], Backend]) -> None:
    """Add a backend under ``name``: made by ``factory`` (e.g. its class), or named as a
    registry line names one ("package.module:Class", imported at its first use)."""
    _REGISTRY[name] = factory
    _INSTANCES.pop(name, None)


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)
    _INSTANCES.pop(name, None)


def get(name: str) -> Backend:
    """The backend called ``name`` (not yet loaded), any ``xp:MODULE`` included. ``KeyError``
    names the known ones, or says why a broken plugin cannot be used."""
    _plugins()
    entry = _REGISTRY.get(name)
    if entry is None and namespace.is_namespace_name(name):
        entry = namespace.backend_class(name)
    if entry is None:
        if name in broken():
            raise KeyError(broken()[name])
        raise KeyError(
            f"unknown backend {name!r} (choose from {', '.join(names())}, or "
            f"{namespace.PREFIX}MODULE for an array-API namespace)"
        )
    if name not in _INSTANCES:
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
    return [status(name) for name in names()]


def versions() -> dict[str, str]:
    """The installed version of every known backend's library, read from the installed
    packages' metadata: no library is imported."""
    found = {name: get(name).version() for name in names()}
    return {name: version for name, version in found.items() if version is not None}
