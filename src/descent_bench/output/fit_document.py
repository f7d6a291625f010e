"""One descent as ``descent-bench fit --json`` prints it: a versioned JSON document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from descent_bench import __version__
from descent_bench.kernels import Descent

FIT_SCHEMA = "descent-bench/fit/1"


@dataclass(frozen=True)
class FitBackend:
    """Where a ``fit`` ran: the backend, its device, and how many devices and processes."""

    name: str
    device: str
    devices: int
    processes: int


def fit_document(
    problem: str, backend: FitBackend, dtype: str, lr: float, result: Descent
) -> dict[str, Any]:
    """One descent as ``fit --json`` prints it (``FIT_SCHEMA``)."""
    return {
        "schema": FIT_SCHEMA,
        "version": __version__,
        "problem": problem,
        "backend": backend.name,
        "device": backend.device,
        "dtype": dtype,
        "iterations": result.iterations,
        "lr": lr,
        "params": result.params.tolist(),
        "loss": result.loss,
        "loss_history": [[t, loss] for t, loss in result.history],
        "seconds": result.seconds,
        "devices": backend.devices,
        "processes": backend.processes,
    }
