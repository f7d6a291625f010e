"""Two runs compared, as plain aligned text or a Markdown table for a pull request."""

from __future__ import annotations

import math
from typing import Any

from descent_bench.output.cells import Group, cell_text, duration, group_of, group_title
from descent_bench.output.grid import Column, Grid, grouped
from descent_bench.output.report import wrap
from descent_bench.records.verdicts import Diff, RowChange

HEADERS = (
    "backend",
    "problem",
    "size",
    "dtype",
    "old mean µs/iter",
    "new mean µs/iter",
    "new/old",
    "95% interval",
    "margin",
    "verdict",
)


def _cells(change: RowChange) -> list[str]:
    r, ratio = change.new, change.ratio
    interval = "-" if math.isnan(ratio.low) else f"{ratio.low:.3f}-{ratio.high:.3f}"
    return [
        cell_text(r.backend),
        cell_text(r.problem),
        f"{r.size:,}",
        cell_text(r.dtype),
        f"{change.old.mean_seconds_per_iteration * 1e6:,.2f}",
        f"{r.mean_seconds_per_iteration * 1e6:,.2f}",
        f"{ratio.value:.3f}",
        interval,
        f"±{100 * change.margin:.0f}%",
        change.verdict,
    ]


def machine_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between the machines and libraries of two runs, one line each."""
    lines = []
    for name in ("cpu", "gpu", "cpu_count", "platform", "python", "descent_bench"):
        if old.get(name) != new.get(name):
            lines.append(f"{name}: {old.get(name)!r} -> {new.get(name)!r}")
    old_libs, new_libs = old.get("libraries") or {}, new.get("libraries") or {}
    if isinstance(old_libs, dict) and isinstance(new_libs, dict):
        for lib in sorted(set(old_libs) | set(new_libs)):
            if old_libs.get(lib) != new_libs.get(lib):
                lines.append(f"{lib}: {old_libs.get(lib)!r} -> {new_libs.get(lib)!r}")
    return [cell_text(line) for line in lines]


def settings_differences(
    old: dict[str, Any] | None, new: dict[str, Any] | None, unmatched: tuple[int, int]
) -> list[str]:
    """What was asked differently of the two runs (sizes, backends, dtype, threads, K,
    budget...), one line each; where a file keeps no settings (version 1), that; and how
    many rows of each run have no match in the other."""
    lines = []
    if (old is None) != (new is None):
        which = "old" if old is None else "new"
        lines.append(f"the {which} run keeps no settings (a version 1 file): they may differ")
    elif old is not None and new is not None:
        # A setting only one file records (added in a later version) is not compared.
        for name in sorted(set(old) & set(new)):
            if old[name] != new[name]:
                lines.append(f"{name}: {old[name]!r} -> {new[name]!r}")
    only_old, only_new = unmatched
    if only_old or only_new:
        lines.append(
            f"rows without a match: {only_old} only in the old run, {only_new} only in the new"
        )
    return [cell_text(line) for line in lines]


def run_warnings(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The warnings each run recorded about its machine (busy, steal, frequency scaling),
    one line each, saying which run: a verdict may then reflect the machine, not the code."""
    lines: list[str] = []
    for which, machine in (("old", old), ("new", new)):
        state = machine.get("state")
        warnings = state.get("warnings") if isinstance(state, dict) else None
        if isinstance(warnings, list):
            lines.extend(f"{which} run: {w}" for w in warnings if isinstance(w, str))
    return [cell_text(line) for line in lines]


def summary_line(result: Diff) -> str:
    counts: dict[str, int] = {}
    for change in result.changes:
        counts[change.verdict] = counts.get(change.verdict, 0) + 1
    parts = [f"{counts[v]} {v}" for v in ("slower", "faster", "same", "uncertain") if v in counts]
    extra = []
    if result.only_old:
        extra.append(f"{len(result.only_old)} only in the old run")
    if result.only_new:
        extra.append(f"{len(result.only_new)} only in the new run")
    return f"{len(result.changes)} rows compared: " + ", ".join(parts + extra)


def lines(result: Diff, width: int) -> list[str]:
    """The compared rows, one table per problem, size and dtype, fitted to ``width`` (the
    interval, then the margin, left out where they do not fit), and what the columns mean."""
    columns = [
        Column("", justify="left"),
        Column("old mean"),
        Column("new mean"),
        Column("new/old"),
        Column("95% interval", kind="interval"),
        Column("margin", kind="margin"),
        Column("verdict", justify="left"),
    ]
    groups: dict[Group, list[list[str]]] = {}
    for change in result.changes:
        cells = _cells(change)
        old, new = change.old.mean_seconds_per_iteration, change.new.mean_seconds_per_iteration
        row = [cells[0], duration(old), duration(new), *cells[6:]]
        groups.setdefault(group_of(change.new), []).append(row)

    def fitted(grid: Grid) -> list[str]:
        return (grid.fit(width, ("interval", "margin")) or grid.only(())).lines()

    drawn = grouped(((group_title(g), Grid(columns, rows)) for g, rows in groups.items()), fitted)
    legend = (
        "old mean, new mean: the time per iteration, the mean over a row's calls; "
        "margin: what counts as the same"
    )
    return [*drawn, "", *wrap(legend, width, rest="")]


def markdown_lines(result: Diff) -> list[str]:
    """The compared rows as one Markdown table, every column; changed verdicts in bold."""
    columns = [
        Column(h, justify="left" if i in (0, 1, 3, 9) else "right") for i, h in enumerate(HEADERS)
    ]
    rows = [_cells(change) for change in result.changes]
    marks = {
        (i, 9): "**" for i, c in enumerate(result.changes) if c.verdict in ("slower", "faster")
    }
    return Grid(columns, rows, marks).markdown()
