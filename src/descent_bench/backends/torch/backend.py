"""PyTorch through ``array_api_compat.torch``, on the CPU (``torch``) or a CUDA GPU
(``torch:cuda``): the device is part of the backend's name, a registry line each.

Rows: ``torch`` runs the unchanged kernel as eager steps from a Python loop; its compiled
variant (``torch-compiled``) runs K steps as one ``torch.compile``d program (``compiled``);
the baselines are the tutorial's tensor loop (``torch-tensor``) and its autograd loop
(``torch-autograd``), for the problems whose step is a polynomial descent (the sine fit).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from descent_bench.backends.base import Backend, BackendUnavailable, Variant
from descent_bench.backends.calls import Baseline, pieces
from descent_bench.backends.torch import compiled, tutorial
from descent_bench.kernels import Array, Data, Loop, PolynomialDescent, Problem, Step, capabilities

MAX_TRIP = 2**31 - 1  # steps in one call of the compiled loop
# Points up to which the matrix-vector products' sums were measured to err as independent
# roundings do (docs/validation.md).
VOUCHED_PRODUCT_POINTS = 10**6


def _polynomial_loop(make: Callable[[PolynomialDescent], Loop]) -> Callable[[Problem], Loop | None]:
    """A baseline's loop for problems whose step is a polynomial descent, else None."""

    def make_loop(problem: Problem) -> Loop | None:
        descent = capabilities.polynomial_descent(problem)
        return None if descent is None else make(descent)

    return make_loop


# The oldest torch the compiled row is tested on (while_loop under inductor, dynamo's
# config names); older ones skip it with that reason.
COMPILED_FLOOR = (2, 13)


def version_tuple(version: str) -> tuple[int, int]:
    """(major, minor) of a version string such as "2.11.0+cu130" or "2.13.0a0"."""
    parts = re.findall(r"\d+", version)[:2]
    return (int(parts[0]), int(parts[1])) if len(parts) == 2 else (0, 0)


class TorchBackend(Backend):
    name = "torch"
    distribution = "torch"
    device_type = "cpu"
    features_up_to = 20_000  # measured: docs/performance.md
    # Measured when named (--backends ...,torch): torch.compile's first program takes 20-30 s
    # cold in every worker process, and eager torch at 10^7 points about a second an
    # iteration, which would more than double the default comparison's time.
    in_default_compare = False

    has_compiler = True  # torch.compile, a row of its own (``torch-compiled``)

    def __init__(self, variant: Variant | None = None) -> None:
        super().__init__(variant)
        self._programs: dict[tuple[Any, ...], Callable[..., Array]] = {}

    def baselines(self) -> list[Baseline]:
        if self.variant.compiled:
            return []
        return [
            Baseline(f"{self.name}-tensor", _polynomial_loop(tutorial.tensor_loop), "elementwise"),
            Baseline(
                f"{self.name}-autograd", _polynomial_loop(tutorial.autograd_loop), "elementwise"
            ),
        ]

    # -- availability -------------------------------------------------------------------
    def _load(self) -> None:
        try:
            import torch
        except ImportError as exc:
            raise BackendUnavailable(
                "torch is not installed (pip install 'descent-bench[torch]'; CPU only: "
                "pip install torch --index-url https://download.pytorch.org/whl/cpu)"
            ) from exc
        except Exception as exc:  # e.g. CUDA libraries that fail to load
            raise BackendUnavailable(f"torch failed to import: {exc}") from exc
        self._check_device(torch)
        if self.variant.compiled:
            reason = self.compile_unavailable_reason()
            if reason:
                raise BackendUnavailable(reason)

    def _check_device(self, torch: Any) -> None:
        """The CPU is always there."""

    def compile_unavailable_reason(self) -> str | None:
        """Why ``torch.compile`` cannot run here, or None: dynamo must support this Python,
        and inductor needs a C++ compiler for CPU code (triton for CUDA code)."""
        import torch

        if version_tuple(torch.__version__) < COMPILED_FLOOR:
            return (
                f"the compiled row was tested on torch 2.13 and later, not torch "
                f"{torch.__version__} (its while_loop and inductor differ); the eager rows "
                "still run"
            )
        try:  # a build without the loop it compiles
            from torch._higher_order_ops import while_loop  # noqa: F401
        except ImportError:
            return (
                f"torch {torch.__version__} has no torch._higher_order_ops.while_loop, which "
                "the compiled row needs (torch 2.13 or later); the eager rows still run"
            )
        if not torch._dynamo.is_dynamo_supported():
            return "torch.compile does not support this Python (torch._dynamo unsupported)"
        if self.device_type == "cpu":
            from torch._inductor import cpp_builder

            try:
                cpp_builder.get_cpp_compiler()
            except Exception as exc:  # inductor's search found no C++ compiler
                return f"torch.compile needs a C++ compiler for CPU code (set CXX): {exc}"
        return None

    # -- devices --------------------------------------------------------------------------
    @property
    def device(self) -> Any:
        import torch

        return torch.device(self.device_type)

    def devices(self) -> list[str]:
        return ["cpu"]

    # -- threads --------------------------------------------------------------------------
    def limit_threads(self, count: int) -> None:
        import torch

        torch.set_num_threads(count)

    def thread_count(self) -> int | None:
        import torch

        return torch.get_num_threads()

    # -- arrays ---------------------------------------------------------------------------
    @property
    def xp(self) -> Any:
        import array_api_compat.torch

        return array_api_compat.torch

    def to_numpy(self, array: Array) -> np.ndarray:
        return array.detach().cpu().numpy()

    # -- execution ------------------------------------------------------------------------
    def accumulation_dtype(self, dtype: str, form: str | None, points: int) -> str | None:
        """torch.sum (a cascade of blocks) in the input type; its matrix-vector products
        (the features phrasing, a user's matrices) too up to ``VOUCHED_PRODUCT_POINTS``:
        their float32 error grew as N, not sqrt(N), from 10^6 to 10^7 (docs/validation.md)."""
        if form == "elementwise" or points <= VOUCHED_PRODUCT_POINTS:
            return dtype
        return None

    def gradient_form(self, size: int) -> str:
        """Compiled: elementwise, which inductor fuses into one pass over x and y. Eager:
        features (two matrix-vector products, 4-7x faster than Horner's passes and d + 1
        sums) up to ``features_up_to`` points; above, elementwise, whose ``torch.sum``s
        stay within the agreement bound where torch's matrix-vector product does not: its
        error grows with N, in float32 from 25 units of roundoff at 2·10⁴ points to 10⁴ at
        10⁶ (NumPy's: 44), and the phrasing is chosen before the dtype is known
        (docs/performance.md)."""
        if self.variant.compiled:
            return "elementwise"
        return "features" if size <= self.features_up_to else "elementwise"

    def compile_step(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return compiled.compile_fresh(fn) if self.variant.compiled else fn

    def compile_loop(self, step: Step) -> Loop:
        """Eager: the Python loop of steps. Compiled: one ``while_loop`` program per step,
        shapes and dtypes, called in ``pieces`` so that Ctrl-C is honoured between them."""
        if not self.variant.compiled:
            return super().compile_loop(step)
        import torch

        def run(params: Array, data: Data, lr: float, k: int) -> Array:
            program = self.program(step, params, data)
            rate = torch.tensor(lr, dtype=params.dtype, device=params.device)
            elements = sum(int(a.numel()) for a in (params, *data))
            *whole, last = pieces(k, elements, MAX_TRIP) or [0]
            for piece in whole:
                params = self.sync(program(params, data, rate, self._count(piece)))
            return program(params, data, rate, self._count(last))

        return run

    def _count(self, k: int) -> Any:
        import torch

        return torch.tensor(k, dtype=torch.int64, device=self.device)

    def program(self, step: Step, params: Array, data: Data) -> Callable[..., Array]:
        """The compiled K-step program of ``step`` for these shapes and dtypes, made once."""
        key = (
            getattr(step, "__func__", step),
            getattr(step, "__self__", None),
            *((tuple(a.shape), a.dtype, a.device) for a in (params, *data)),
        )
        program = self._programs.get(key)
        if program is None:
            program = compiled.while_program(step, self.ops)
            self._programs[key] = program
        return program


class TorchCudaBackend(TorchBackend):
    name = "torch:cuda"
    device_type = "cuda"

    def _check_device(self, torch: Any) -> None:
        if not torch.cuda.is_available():
            raise BackendUnavailable(
                "torch is installed but no CUDA device is available (torch.cuda.is_available() "
                f"is False; torch {torch.__version__})"
            )

    def compile_unavailable_reason(self) -> str | None:
        reason = super().compile_unavailable_reason()
        if reason is None:
            if importlib.util.find_spec("triton") is None:
                reason = "torch.compile needs triton for CUDA code (pip install triton)"
        return reason

    @property
    def platform(self) -> str:
        return "gpu"

    def platform_reason(self) -> str:
        return f"torch on CUDA: its tensors are on device {self.device}"

    @property
    def device(self) -> Any:
        import torch

        return torch.device("cuda", torch.cuda.current_device())

    def devices(self) -> list[str]:
        import torch

        count = torch.cuda.device_count()
        return [f"cuda:{i} {torch.cuda.get_device_name(i)}" for i in range(count)]

    def accelerators(self) -> list[str]:
        return self.devices()

    def sync(self, result: Any) -> Any:
        import torch

        torch.cuda.synchronize()
        return result
