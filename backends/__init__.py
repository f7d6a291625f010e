"""The array-API shim: one small backend object per array library.

Importing this package imports neither jax nor cupy: each backend loads its library the
first time it is used. Adding a backend is one module and one entry in ``_REGISTRY``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from .base import Backend, BackendUnavailable

__all__ = ["Backend", "BackendStatus", "BackendUnavailable", "available", "get", "names"]

# name -> "module:class", imported on demand.
_REGISTRY = {
    "numpy": "backends.numpy_backend:NumpyBackend",
    "jax": "backends.jax_backend:JaxBackend",
    "cupy": "backends.cupy_backend:CupyBackend",
    "strict": "backends.strict_backend:StrictBackend",
}
_INSTANCES: dict[str, Backend] = {}


@dataclass(frozen=True)
class BackendStatus:
    name: str
    usable: bool
    reason: str | None
    version: str | None
    devices: tuple[str, ...]


def names() -> list[str]:
    """Every known backend, usable here or not."""
    return list(_REGISTRY)


def get(name: str) -> Backend:
    """The backend called ``name`` (not yet loaded). ``KeyError`` names the known ones."""
    if name not in _REGISTRY:
        raise KeyError(f"unknown backend {name!r} (choose from {', '.join(_REGISTRY)})")
    if name not in _INSTANCES:
        module, cls = _REGISTRY[name].split(":")
        _INSTANCES[name] = getattr(importlib.import_module(module), cls)()
    return _INSTANCES[name]


def load(name: str) -> Backend:
    """The backend called ``name``, loaded; ``BackendUnavailable`` says why it can't run."""
    return get(name).load()


def available() -> list[BackendStatus]:
    """Every known backend with whether it can run here and, if not, why."""
    statuses = []
    for name in _REGISTRY:
        backend = get(name)
        reason = backend.unavailable_reason()
        devices = tuple(backend.devices()) if reason is None else ()
        statuses.append(BackendStatus(name, reason is None, reason, backend.version(), devices))
    return statuses
