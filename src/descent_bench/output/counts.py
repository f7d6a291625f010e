"""Instruction counts as text: a counted run's rows (``compare --count instructions``,
``show``), and two counted runs compared (``diff``), plain or as Markdown."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from descent_bench.output.cells import Group, cell_text, duration, group_of, group_title, size_unit
from descent_bench.output.grid import Column, Grid, grouped
from descent_bench.records.count_verdicts import CountChange, CountDiff
from descent_bench.records.record import Record

MARKDOWN_RUN_HEADERS = (
    "backend",
    "problem",
    "size",
    "dtype",
    "K",
    "instr/iter",
    "instr/iter/elem",
    "allocator",
    "time/iter",
)
MARKDOWN_DIFF_HEADERS = (
    "backend",
    "problem",
    "size",
    "dtype",
    "old instr/iter",
    "new instr/iter",
    "new/old",
    "verdict",
)
LEFT = {0, 1, 3}


def _allocator_share(r: Record) -> str:
    if r.allocator_instructions is None or not r.instructions:
        return "-"
    return f"{100 * r.allocator_instructions / r.instructions:.1f}%"


def _count_cells(r: Record) -> list[str]:
    return [
        f"{r.iterations:,}",
        f"{r.instructions_per_iteration:,.0f}" if r.instructions_per_iteration else "-",
        f"{r.instructions_per_element:,.2f}" if r.instructions_per_element else "-",
        _allocator_share(r),
        duration(r.mean_seconds_per_iteration),
    ]


def _row_cells(r: Record) -> list[str]:
    where = [cell_text(r.backend), cell_text(r.problem), f"{r.size:,}", cell_text(r.dtype)]
    return [*where, *_count_cells(r)]


def _columns(headers: Sequence[str], left: set[int]) -> list[Column]:
    return [Column(h, justify="left" if i in left else "right") for i, h in enumerate(headers)]


def _grouped(
    items: Sequence[tuple[Group, list[str]]],
    headers: Callable[[Group], list[str]],
    left: set[int],
) -> list[str]:
    """One aligned table per problem, size and dtype, under its title."""
    groups: dict[Group, list[list[str]]] = {}
    for group, cells in items:
        groups.setdefault(group, []).append(cells)
    return grouped(
        (group_title(group), Grid(_columns(headers(group), left), rows))
        for group, rows in groups.items()
    )


def not_counted(records: Sequence[tuple[Record, str]]) -> list[str]:
    """One line per row left uncounted, with the reason."""
    return [
        cell_text(f"{r.backend} {r.problem} {r.size:,} {r.dtype}: {reason}")
        for r, reason in records
    ]


def _without(cells: list[str], columns: list[int]) -> list[str]:
    return [c for i, c in enumerate(cells) if i not in columns]


def _run_headers(group: Group) -> list[str]:
    return ["", "K", "instr/iter", f"per {size_unit(group[0])}", "allocator", "time/iter"]


def run_lines(records: list[Record], markdown: bool = False) -> str:
    """The counted rows' instructions per iteration (and per unit of the size: a point, a
    walker), the allocator's share of them, and the mean time per iteration the timing
    table shows; one table per problem, size and dtype (one table in Markdown); then the
    rows not counted and why."""
    counted = [r for r in records if r.instructions is not None]
    lines = ["Instructions of one K-call under callgrind, every thread (lower is better):", ""]
    if counted and markdown:
        rows = [_row_cells(r) for r in counted]
        lines += Grid(_columns(MARKDOWN_RUN_HEADERS, LEFT), rows).markdown()
    elif counted:
        shares = any(r.allocator_instructions is not None for r in counted)
        drop = [] if shares else [4]  # a file from before the allocator's share was kept

        def headers(group: Group) -> list[str]:
            return _without(_run_headers(group), drop)

        items = [
            (group_of(r), _without([cell_text(r.backend), *_count_cells(r)], drop)) for r in counted
        ]
        lines += _grouped(items, headers, {0})
        lines += ["", "per point, per walker: instructions per iteration and per unit of size"]
        if shares:
            lines += ["allocator: the share of them in malloc, free and their kin"]
    left_out = not_counted([(r, r.uncounted or "not counted") for r in records if r not in counted])
    if left_out:
        lines += ["", "Not counted:", *(f"  {line}" for line in left_out)]
    return "\n".join(lines)


def _change_numbers(change: CountChange) -> list[str]:
    k = change.new.iterations
    return [
        f"{change.old_instructions / k:,.0f}",
        f"{change.new_instructions / k:,.0f}",
        f"{change.ratio:.4f}",
        change.verdict,
    ]


def diff_lines(result: CountDiff, markdown: bool = False) -> str:
    """The compared rows: one Markdown table (changed verdicts in bold), or one aligned
    table per problem, size and dtype."""
    if markdown:
        rows, marks = [], {}
        for i, change in enumerate(result.changes):
            new = change.new
            rows.append([new.backend, new.problem, f"{new.size:,}", new.dtype])
            rows[-1] += _change_numbers(change)
            if change.verdict != "same":
                marks[(i, 7)] = "**"
        return "\n".join(Grid(_columns(MARKDOWN_DIFF_HEADERS, {*LEFT, 7}), rows, marks).markdown())
    headers = ["", "old instr/iter", "new instr/iter", "new/old", "verdict"]
    items = [
        (group_of(c.new), [cell_text(c.new.backend), *_change_numbers(c)]) for c in result.changes
    ]
    return "\n".join(_grouped(items, lambda group: headers, {0, 4}))


def diff_summary(result: CountDiff) -> str:
    counts: dict[str, int] = {}
    for change in result.changes:
        counts[change.verdict] = counts.get(change.verdict, 0) + 1
    parts = [f"{counts[v]} {v}" for v in ("slower", "faster", "same") if v in counts]
    extra = []
    if result.uncounted:
        extra.append(f"{len(result.uncounted)} not counted")
    if result.only_old:
        extra.append(f"{len(result.only_old)} only in the old run")
    if result.only_new:
        extra.append(f"{len(result.only_new)} only in the new run")
    what = "instructions outside the allocator" if result.exclude_allocator else "instructions"
    return (
        f"{len(result.changes)} rows compared by {what} (same within "
        f"±{100 * result.tolerance:g}%): " + ", ".join(parts + extra)
    )
