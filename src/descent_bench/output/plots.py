"""Pictures (matplotlib, the optional ``plot`` extra), saved atomically.

A fit's picture is drawn by its problem (``capabilities.Picture``) on axes made here; a
comparison is iterations/s against size, log-log, one panel per problem.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from descent_bench.kernels import Descent, Problem, capabilities
from descent_bench.output.cells import size_unit
from descent_bench.output.files import write_atomic
from descent_bench.records.ratios import shown_seconds
from descent_bench.records.record import Record

PLOT_SUFFIXES = (".png", ".pdf", ".svg")


def figure(ncols: int, width: float = 5.5, height: float = 4.2) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    return fig, fig.subplots(1, ncols, squeeze=False)[0]


def save_figure(fig: Any, path: str) -> None:
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=120))


def plot_fit(problem: Problem, result: Descent, path: str, title: str) -> None:
    """The problem's own picture of one descent (``capabilities.Picture``), or its loss
    curve where it has none."""
    if isinstance(problem, capabilities.Picture):
        fig, axes = figure(problem.plot_panels)
        problem.draw(result, list(axes), title)
    else:
        fig, (ax,) = figure(1)
        iterations, losses = zip(*result.history, strict=True)
        ax.plot(iterations, losses, marker=".")
        ax.set(xlabel="iteration", ylabel="loss", title=title)
        if all(v > 0 for v in losses):
            ax.set_yscale("log")
    save_figure(fig, path)


def rate_interval(record: Record) -> tuple[float, float, float]:
    """Iterations/s at the row's mean time, and at the two ends of its 95% interval (the
    table's figure and interval); the median alone where a record keeps no calls."""
    shown = shown_seconds(record)
    rate = 1 / shown.value
    if np.isnan(shown.low):
        return (rate, rate, rate)
    return (rate, 1 / shown.high, 1 / shown.low)


def plot_compare(records: list[Record], path: str, title: str) -> None:
    """Iterations/s against size for every row label (at the mean time per iteration, as
    the table shows it), its 95% interval as error bars; disagreeing points crossed in
    red."""
    problems = list(dict.fromkeys(r.problem for r in records))
    labels = list(dict.fromkeys(r.backend for r in records))
    colors = {label: f"C{i % 10}" for i, label in enumerate(labels)}  # one colour per row
    fig, axes = figure(len(problems))
    for ax, problem in zip(axes, problems, strict=True):
        rows = [r for r in records if r.problem == problem]
        for label in dict.fromkeys(r.backend for r in rows):
            line = sorted((r for r in rows if r.backend == label), key=lambda r: r.size)
            sizes = [r.size for r in line]
            intervals = [rate_interval(r) for r in line]
            rates = [rate for rate, _, _ in intervals]
            below = [max(0.0, v - lo) for v, lo, _ in intervals]
            above = [max(0.0, hi - v) for v, _, hi in intervals]
            ax.errorbar(
                sizes,
                rates,
                yerr=[below, above],
                fmt="--o" if line[0].baseline else "-o",
                capsize=3,
                label=label,
                color=colors[label],
            )
            bad = [(r.size, v) for r, v in zip(line, rates, strict=True) if not r.agrees]
            if bad:
                ax.plot(*zip(*bad, strict=True), "x", color="red", ms=12, mew=3)
        ax.set(
            xscale="log",
            yscale="log",
            title=f"{problem} ({rows[0].dtype})",
            xlabel=f"{size_unit(problem)}s",
            ylabel="iterations / s (mean; bars: 95% interval)",
        )
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    save_figure(fig, path)
