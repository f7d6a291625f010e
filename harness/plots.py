"""Pictures of a fit (matplotlib, the optional ``plot`` extra), saved atomically."""

from __future__ import annotations

from typing import Any

import numpy as np

from .files import write_atomic

PLOT_SUFFIXES = (".png", ".pdf", ".svg")


def figure(ncols: int, width: float = 5.5, height: float = 4.2) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    return fig, fig.subplots(1, ncols, squeeze=False)[0]


def save(fig: Any, path: str) -> None:
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=120))


def plot_sine_fit(problem: Any, result: Any, path: str, title: str) -> None:
    """sin(x) and the fitted polynomial (the tutorial's picture) beside the loss curve."""
    fig, (fit_ax, loss_ax) = figure(2)
    x, y = problem.host_data()
    fitted = np.polynomial.polynomial.polyval(x, result.params)
    fit_ax.plot(x, y, label="sin(x)", lw=2)
    fit_ax.plot(x, fitted, "--", label="fitted polynomial", lw=2)
    fit_ax.set(xlabel="x", ylabel="y", title=title)
    fit_ax.legend()
    iters, losses = zip(*result.history, strict=True)
    loss_ax.plot(iters, losses, marker=".")
    loss_ax.set(
        xlabel="iteration", ylabel=f"loss ({problem.loss_name})", yscale="log", title="loss"
    )
    save(fig, path)


def plot_paraboloid(problem: Any, result: Any, path: str, title: str, max_paths: int = 20) -> None:
    """Contours of f over the first two coordinates with each walker's path."""
    fig, (ax,) = figure(1, width=6.0, height=5.2)
    paths = np.stack([p for _, p in result.snapshots])  # (checkpoints, walkers, dims)
    shown = paths[:, :max_paths, :]
    reach = max(1.0, float(np.abs(shown).max()) * 1.15)
    grid = np.linspace(-reach, reach, 201)
    if problem.dims >= 2:
        gx, gy = np.meshgrid(grid, grid)
        contours = ax.contour(gx, gy, gx**2 + gy**2, levels=12, cmap="viridis", linewidths=0.8)
        ax.clabel(contours, fontsize=7)
        for w in range(shown.shape[1]):
            ax.plot(shown[:, w, 0], shown[:, w, 1], ".-", ms=3, lw=1)
            ax.plot(shown[0, w, 0], shown[0, w, 1], "o", color="black", ms=4)
        ax.plot([0], [0], "r*", ms=10, label="minimum")
        ax.set(xlabel="p0", ylabel="p1", aspect="equal")
    else:
        ax.plot(grid, grid**2, color="gray")
        for w in range(shown.shape[1]):
            ax.plot(shown[:, w, 0], shown[:, w, 0] ** 2, ".-", ms=3)
        ax.set(xlabel="p0", ylabel="f(p)")
    if problem.walkers > max_paths:
        title += f" (first {max_paths} of {problem.walkers} walkers)"
    ax.set_title(title)
    save(fig, path)
