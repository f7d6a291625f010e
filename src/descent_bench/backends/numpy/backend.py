"""NumPy on the host CPU: eager steps in a Python loop."""

from __future__ import annotations

from typing import Any

from descent_bench.backends.base import Backend


class NumpyBackend(Backend):
    name = "numpy"
    distribution = "numpy"
    naive_label = None  # the backend's loop is already the eager one

    def accumulation_dtype(self, dtype: str, form: str | None, points: int) -> str:
        """NumPy's sums (pairwise) and BLAS's products (blocked), in the input type."""
        return dtype

    def gradient_form(self, size: int) -> str:
        """Two BLAS matrix-vector products beat Horner's passes and d + 1 sums at every size
        measured, 2000 to 1e7 points (docs/performance.md)."""
        return "features"

    def _load(self) -> None:
        import array_api_compat.numpy  # noqa: F401  (numpy is a hard dependency)

    @property
    def xp(self) -> Any:
        import array_api_compat.numpy

        return array_api_compat.numpy

    @property
    def device(self) -> Any:
        return "cpu"
