"""``xp:MODULE``: any array-API namespace measured by name, with nothing written for it.

The module is used as it is where it is a namespace (``__array_api_version__``), or as
array-api-compat wraps its arrays (``dask.array``, ``torch``, ``cupy``, ``numpy``). The kernel
runs on it through the standard alone: no fused moments, no compiled loop (each row says so).
What the backend needs beyond the standard is read from the namespace: its default device
and devices (``__array_namespace_info__``), whether it has float64, and its capabilities
(shown by ``info``). A result is forced before the clock stops by the library's own means
where one is known (dask: ``compute``), else by a copy of the parameters to host memory. The
namespace vouches for nothing about its sums: its rows get the agreement bound's worst case.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
from types import ModuleType
from typing import Any

import numpy as np

from descent_bench.backends.base import Backend, BackendUnavailable

PREFIX = "xp:"
# What the kernels call on a namespace (``kernels``: the standard-only primitives, the
# phrasings' products) and what moving arrays needs.
REQUIRED = ("asarray", "sum", "stack", "sign", "abs", "matmul", "float32")


def is_namespace_name(name: str) -> bool:
    return name.startswith(PREFIX) and len(name) > len(PREFIX)


def namespace_of(module: ModuleType) -> Any:
    """``module`` as an array-API namespace: itself, or array-api-compat's wrapper of its
    arrays; ``BackendUnavailable`` naming what it lacks."""
    if hasattr(module, "__array_api_version__"):
        return module
    if not callable(getattr(module, "asarray", None)):
        raise BackendUnavailable(
            f"{PREFIX}{module.__name__} is not an array-API namespace: it has no "
            "__array_api_version__ and no asarray for array-api-compat to wrap"
        )
    import array_api_compat

    try:
        return array_api_compat.array_namespace(module.asarray([0.0]))
    except TypeError:
        raise BackendUnavailable(
            f"{PREFIX}{module.__name__} is not an array-API namespace: it has no "
            "__array_api_version__ and array-api-compat does not wrap its arrays"
        ) from None


def _short(device: Any) -> str:
    """A device's name without its library's wrapping ("Device('CPU_DEVICE')": CPU_DEVICE)."""
    if device is None:
        return "default"
    quoted = re.search(r"'([^']+)'", str(device))
    return quoted.group(1) if quoted else str(device)


def _distribution(module: str) -> str:
    top = module.split(".", maxsplit=1)[0]
    found = importlib.metadata.packages_distributions().get(top, [])
    return found[0] if found else top


def backend_class(name: str) -> type[NamespaceBackend]:
    """The backend class of the row name ``xp:MODULE``."""
    module = name[len(PREFIX) :]
    attributes = {"name": name, "module": module, "distribution": _distribution(module)}
    return type(f"Namespace[{module}]", (NamespaceBackend,), attributes)


class NamespaceBackend(Backend):
    """An array-API namespace by module name (made by ``backend_class``)."""

    module = ""
    naive_label = None
    notes = (
        "the standard's primitives alone (no fused moments, no compiled loop: the namespace "
        "declares none)",
    )

    _namespace: Any = None
    _info: Any = None  # its __array_namespace_info__(), where it has one

    def _ready(self) -> NamespaceBackend:
        self.load()
        return self

    def _load(self) -> None:
        try:
            module = importlib.import_module(self.module)
        except ImportError as exc:
            raise BackendUnavailable(
                f"{self.name}: no module {self.module!r} can be imported ({exc})"
            ) from None
        namespace = namespace_of(module)
        missing = [n for n in REQUIRED if not hasattr(namespace, n)]
        if missing:
            raise BackendUnavailable(
                f"{self.name} is not an array-API namespace the kernel can run on: it lacks "
                f"{', '.join(missing)}"
            )
        self._namespace = namespace
        self._info = getattr(namespace, "__array_namespace_info__", lambda: None)()

    @property
    def xp(self) -> Any:
        return self._ready()._namespace

    @property
    def device(self) -> Any:
        info = self._ready()._info
        return None if info is None else info.default_device()

    def devices(self) -> list[str]:
        """The default device (the one its rows use), by its short name."""
        return [_short(self.device)]

    def all_devices(self) -> list[str]:
        info = self._ready()._info
        return [_short(d) for d in info.devices()] if info is not None else []

    def floating_dtypes(self) -> list[str]:
        info = self._ready()._info
        if info is None:
            return [d for d in ("float32", "float64") if hasattr(self.xp, d)]
        return list(info.dtypes(kind="real floating"))

    def platform_reason(self) -> str:
        info = self._ready()._info
        version = getattr(self.xp, "__array_api_version__", "?")
        said = ""
        if self.all_devices():
            said = f"; devices {', '.join(self.all_devices())}"
        if info is not None:
            found = info.capabilities()
            said += "; capabilities: " + ", ".join(
                f"{k} {'yes' if v is True else 'no' if v is False else v}" for k, v in found.items()
            )
        return (
            f"the array-API namespace {self.xp.__name__} (standard {version}), run through the "
            f"standard alone; timing {self.forcing()}{said}"
        )

    def forcing(self) -> str:
        """How a result is forced before the clock stops."""
        if self.module.split(".", maxsplit=1)[0] == "dask":
            return "forced by dask's compute"
        return "forced by a copy of the parameters to host memory"

    def row_notes(self) -> tuple[str, ...]:
        return (*self.notes, f"timing {self.forcing()}")

    def prepare(self, dtype: str) -> None:
        self.load()
        if dtype not in self.floating_dtypes():
            raise BackendUnavailable(
                f"{self.name} has no {dtype} (its real floating dtypes: "
                f"{', '.join(self.floating_dtypes()) or 'none'})"
            )

    def asarray(self, host: np.ndarray, dtype: str) -> Any:
        self.prepare(dtype)
        device = self.device
        values = np.asarray(host, dtype=dtype)
        if device is None:
            return self.xp.asarray(values)
        return self.xp.asarray(values, device=device)

    def to_numpy(self, array: Any) -> np.ndarray:
        if hasattr(array, "__dask_graph__"):
            return np.asarray(array.compute())
        try:
            return np.from_dlpack(array)
        except (TypeError, AttributeError, BufferError, RuntimeError):
            return np.asarray(array)

    def sync(self, result: Any) -> Any:
        if isinstance(result, tuple):
            return tuple(self.sync(r) for r in result)
        return self.to_numpy(result)
