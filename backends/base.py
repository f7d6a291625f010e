"""What every backend provides: one small object per array library."""

from __future__ import annotations

import importlib.metadata
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

# A step maps (xp, params, data, lr) to the next params; it is pure array-API code.
Step = Callable[[Any, Any, Sequence[Any], float], Any]


class BackendUnavailable(RuntimeError):
    """The backend cannot run on this machine; the message says why and how to fix it."""


class Backend:
    """One array library: its namespace, device, host<->device moves, sync and K-step loop.

    Subclasses set ``name``, ``distribution`` (the package whose version is reported) and
    implement ``_load`` (import the library, raise ``BackendUnavailable`` if it cannot run).
    Nothing is imported until a method needs the library.
    """

    name: str = ""
    distribution: str = ""
    n_devices: int = 1  # devices one array may be split over
    # How the backend executes K iterations, for tables and docs.
    loop_kind: str = "Python loop of eager steps"

    def __init__(self) -> None:
        self._loaded = False
        self.label = self.name  # the row name in tables

    def sharded(self, n_devices: int) -> Backend:
        """This backend over ``n_devices`` devices; only jax splits data over several."""
        if n_devices == 1:
            return self
        raise BackendUnavailable(f"{self.name} runs on one device; --devices > 1 needs jax")

    # -- availability -------------------------------------------------------------------
    def _load(self) -> None:
        raise NotImplementedError

    def load(self) -> Backend:
        """Import the library; raise ``BackendUnavailable`` with a reason if it cannot run."""
        if not self._loaded:
            self._load()
            self._loaded = True
        return self

    def unavailable_reason(self) -> str | None:
        try:
            self.load()
        except BackendUnavailable as exc:
            return str(exc)
        return None

    def version(self) -> str | None:
        try:
            return importlib.metadata.version(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return None

    # -- arrays ---------------------------------------------------------------------------
    @property
    def xp(self) -> Any:
        """The array-API namespace of this backend."""
        raise NotImplementedError

    @property
    def device(self) -> Any:
        raise NotImplementedError

    def devices(self) -> list[str]:
        return [str(self.device)]

    def prepare(self, dtype: str) -> None:
        """Get ready to compute in ``dtype`` ('float32' or 'float64')."""
        self.load()

    def asarray(self, host: np.ndarray, dtype: str) -> Any:
        """Copy a host NumPy array to this backend's device, cast to ``dtype``."""
        self.prepare(dtype)
        return self.xp.asarray(np.asarray(host, dtype=dtype), device=self.device)

    def put(self, host: np.ndarray, dtype: str, axis: int | None) -> Any:
        """Like ``asarray``; ``axis`` is the array's points axis (None: none), which a backend
        spanning several devices splits over them. One device: ``asarray``."""
        return self.asarray(host, dtype)

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.asarray(array)

    def sync(self, result: Any) -> Any:
        """Block until ``result`` (an array or a tuple of arrays) is computed; return it."""
        return result

    def time_calls(self, fn: Callable[[], Any], repeat: int) -> list[float]:
        """Seconds of each of ``repeat`` calls of ``fn``, each synced inside its timed region."""
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            self.sync(fn())
            times.append(time.perf_counter() - start)
        return times

    # -- execution ------------------------------------------------------------------------
    @property
    def platform(self) -> str:
        """Where the arrays live: 'cpu' or 'gpu'; rows on one platform share a bandwidth ceiling."""
        return "cpu"

    def gradient_form(self, size: int) -> str:
        """How a problem of ``size`` (points, walkers) phrases its gradient here
        (``kernels.FORMS``), chosen by measurement: see docs/performance.md."""
        return "elementwise"

    # Label of the naive loop a user would write first with this library, measured as a
    # baseline row beside the backend's own loop; None where the backend's loop is that one.
    naive_label: str | None = None

    def compile_step(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` compiled for this backend where the library compiles (jit), else ``fn``."""
        return fn

    def compile_loop(self, step: Step) -> Callable[[Any, Sequence[Any], float, int], Any]:
        """Return ``run(params, data, lr, k)`` that applies ``step`` k times."""
        xp = self.xp

        def run(params: Any, data: Sequence[Any], lr: float, k: int) -> Any:
            for _ in range(k):
                params = step(xp, params, data, lr)
            return params

        return run

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
