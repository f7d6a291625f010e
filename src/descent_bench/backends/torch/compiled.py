"""K steps as one ``torch.compile``d program: ``torch._higher_order_ops.while_loop``.

The step count ``k`` and the learning rate enter as tensors, so neither a new K nor a new
rate recompiles; shapes and dtypes are fixed (``dynamic=False``). Measured against one
compiled step called K times and an unrolled block of 16 compiled steps (docs/performance.md,
``docs/experiments/torch_compile_loops.py``): within about 10% of the block and 5x faster
than the single step at N = 2000, all three alike at 10⁷; one program whose first call
compiles all of it, so its compile time is measured apart as jax's is.

Dynamo keeps compiled graphs, and counts recompilations against its limit, per Python code
object; past the limit it would run the function eagerly with only a warning. Each program
here is a copy of the loop with a code object of its own, made for one (shapes, dtypes,
device), so it compiles once; the calls run with ``fail_on_recompile_limit_hit``, so a
recompilation that hits the limit is an error, never a silent eager run.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from descent_bench.kernels import Array, Data, Ops, Step

COMPILE_OPTIONS: dict[str, Any] = {"fullgraph": True, "dynamic": False}


def own_code(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with a code object of its own, so dynamo caches and counts it apart."""
    return types.FunctionType(
        fn.__code__.replace(), fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__
    )


def compile_fresh(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``torch.compile`` of a copy of ``fn`` with its own code object; every call fails
    rather than run eagerly should dynamo hit its recompile limit."""
    import torch

    compiled = torch.compile(own_code(fn), **COMPILE_OPTIONS)

    def call(*args: Any) -> Any:
        with torch._dynamo.config.patch(fail_on_recompile_limit_hit=True):
            return compiled(*args)

    return call


def while_program(step: Step, ops: Ops) -> Callable[[Array, Data, Any, Any], Array]:
    """``run(params, data, lr, k)`` compiled: k (a 0-d integer tensor) applications of
    ``step`` inside one ``while_loop``; ``lr`` a 0-d tensor of the parameters' dtype."""
    import torch
    from torch._higher_order_ops import while_loop

    def loop(params: Array, data: Data, lr: Any, k: Any) -> Array:
        def more(i: Any, p: Any) -> Any:
            return i < k

        def body(i: Any, p: Any) -> tuple[Any, Any]:
            return i + 1, step(ops, p, data, lr)

        start = torch.zeros((), dtype=k.dtype, device=k.device)
        return while_loop(more, body, (start, params))[1]

    return compile_fresh(loop)
