"""array-api-strict: the conformance backend proving the kernel uses only the standard."""

from __future__ import annotations

from typing import Any

import numpy as np

from descent_bench.backends.base import Backend, BackendUnavailable


class StrictBackend(Backend):
    name = "strict"
    distribution = "array-api-strict"
    in_default_compare = False  # it proves correctness, not speed

    def _load(self) -> None:
        try:
            import array_api_strict  # noqa: F401
        except ImportError as exc:
            raise BackendUnavailable(
                "array-api-strict is not installed (pip install array-api-strict)"
            ) from exc

    @property
    def xp(self) -> Any:
        import array_api_strict

        return array_api_strict

    @property
    def device(self) -> Any:
        return self.xp.Device("CPU_DEVICE")

    def accumulation_dtype(self, dtype: str, form: str | None, points: int) -> str:
        """array-api-strict runs NumPy's sums, in the input type."""
        return dtype

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.from_dlpack(array)
