"""The compare results as a rich table, a JSON document and a log-log plot."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

SCHEMA = "descent-bench/compare/1"
COLUMNS = (
    "backend",
    "device",
    "problem",
    "size",
    "dtype",
    "compile s",
    "µs/iter",
    "iter/s",
    "GB/s",
    "% of BW",
    "vs tutorial",
    "max rel diff",
    "agrees",
)


@dataclass
class Record:
    backend: str
    device: str
    problem: str
    size: int
    dtype: str
    iterations: int
    compile_seconds: float
    seconds_per_iteration: float
    iterations_per_second: float
    bytes_per_iteration: int
    gbytes_per_second: float
    bandwidth_fraction: float | None
    speedup_vs_tutorial: float | None
    max_rel_diff: float
    agrees: bool
    baseline: bool
    devices: int
    parallel_efficiency: float | None  # (iterations/s on N devices / on 1) / N, jax rows
    spread_seconds_per_iteration: tuple[float, float]
    harness_overhead_fraction: float


def document(machine: dict[str, Any], ceilings: dict[str, Any], records: list[Record]) -> dict:
    return {
        "schema": SCHEMA,
        "machine": machine,
        "ceilings": ceilings,
        "records": [asdict(r) for r in records],
    }


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(records: list[Record], title: str) -> Any:
    from rich.table import Table

    t = Table(title=title)
    scaling = any(r.devices > 1 for r in records)
    extra = ("par. eff.",) if scaling else ()
    for name in (*COLUMNS, *extra):
        t.add_column(name, justify="left" if name in ("backend", "device", "problem") else "right")
    for r in records:
        fraction = None if r.bandwidth_fraction is None else 100 * r.bandwidth_fraction
        t.add_row(
            r.backend + (" (baseline)" if r.baseline else ""),
            r.device,
            r.problem,
            f"{r.size:,}",
            r.dtype,
            f"{r.compile_seconds:.3f}",
            f"{r.seconds_per_iteration * 1e6:,.2f}",
            f"{r.iterations_per_second:,.0f}",
            f"{r.gbytes_per_second:.2f}",
            _fmt(fraction, ".0f"),
            _fmt(r.speedup_vs_tutorial, ",.1f") + ("x" if r.speedup_vs_tutorial else ""),
            f"{r.max_rel_diff:.1e}",
            "✓" if r.agrees else "✗",
            *((_fmt(r.parallel_efficiency, ".2f"),) if scaling else ()),
            style="bold red" if not r.agrees else ("dim" if r.baseline else None),
        )
    return t


def plot(records: list[Record], path: str, title: str) -> None:
    from .plots import figure, save

    problems = list(dict.fromkeys(r.problem for r in records))
    fig, axes = figure(len(problems))
    for ax, problem in zip(axes, problems, strict=True):
        rows = [r for r in records if r.problem == problem]
        for label in dict.fromkeys(r.backend for r in rows):
            line = sorted((r.size, r.iterations_per_second, r) for r in rows if r.backend == label)
            sizes, rates = [s for s, _, _ in line], [v for _, v, _ in line]
            baseline = line[0][2].baseline
            ax.plot(sizes, rates, "--" if baseline else "-", marker="o", label=label)
            bad = [(s, v) for s, v, r in line if not r.agrees]
            if bad:
                ax.plot(*zip(*bad, strict=True), "x", color="red", ms=12, mew=3)
        ax.set(
            xscale="log",
            yscale="log",
            title=f"{problem} ({rows[0].dtype})",
            xlabel="points" if problem == "sine" else "walkers",
            ylabel="iterations / s",
        )
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    save(fig, path)


def markdown(records: list[dict[str, Any]]) -> str:
    """A saved run's records as a Markdown table (baselines in italics)."""
    columns = [c for c in COLUMNS if c != "device"]
    lines = [
        "| " + " | ".join(columns) + " |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |",
    ]
    for r in records:
        fraction = r["bandwidth_fraction"]
        speedup = r["speedup_vs_tutorial"]
        name = f"*{r['backend']}*" if r.get("baseline") else r["backend"]
        cells = [
            name,
            r["problem"],
            f"{r['size']:,}",
            r["dtype"],
            f"{r['compile_seconds']:.3f}",
            f"{r['seconds_per_iteration'] * 1e6:,.2f}",
            f"{r['iterations_per_second']:,.0f}",
            f"{r['gbytes_per_second']:.2f}",
            _fmt(None if fraction is None else 100 * fraction, ".0f"),
            _fmt(speedup, ",.1f") + ("x" if speedup else ""),
            f"{r['max_rel_diff']:.1e}",
            "✓" if r["agrees"] else "✗",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
