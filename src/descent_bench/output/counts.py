"""Instruction counts as text: a counted run's rows (``compare --count instructions``,
``show``), and two counted runs compared (``diff``), plain or as Markdown."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from descent_bench.output.cells import cell_text, duration
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
Group = tuple[str, int, str, "int | None"]  # problem, size, dtype, threads


def _group(r: Record) -> Group:
    return (r.problem, r.size, r.dtype, r.threads)


def _size_label(problem: str) -> str:
    """What a problem's size counts, singular ("point", "walker"); "element" if unknown."""
    from descent_bench.kernels import PROBLEMS

    found = PROBLEMS.get(problem)
    label = getattr(found, "size_label", "elements") if found is not None else "elements"
    return label[:-1] if label.endswith("s") else label


def _title(group: Group) -> str:
    problem, size, dtype, threads = group
    unit = _size_label(problem)
    parts = [cell_text(problem), f"{size:,} {unit}{'s' if size != 1 else ''}", cell_text(dtype)]
    if threads is not None and threads != 1:
        parts.append(f"{threads} threads")
    return "  ".join(parts)


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


def _grouped(
    items: Sequence[tuple[Group, list[str]]],
    headers: Callable[[Group], list[str]],
    left: set[int],
) -> list[str]:
    """One aligned table per problem, size and dtype, under its title."""
    lines: list[str] = []
    groups: dict[Group, list[list[str]]] = {}
    for group, cells in items:
        groups.setdefault(group, []).append(cells)
    for group, rows in groups.items():
        if lines:
            lines.append("")
        lines += [_title(group), _aligned([headers(group), *rows], left)]
    return lines


def _aligned(rows: Sequence[Sequence[str]], left: set[int]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            text.ljust(w) if i in left else text.rjust(w)
            for i, (text, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )


def _markdown(rows: Sequence[Sequence[str]], left: set[int]) -> str:
    rules = ["---" if i in left else "---:" for i in range(len(rows[0]))]
    escaped = [[c.replace("|", "\\|") for c in row] for row in rows]
    lines = ["| " + " | ".join(escaped[0]) + " |", "| " + " | ".join(rules) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in escaped[1:]]
    return "\n".join(lines)


def not_counted(records: Sequence[tuple[Record, str]]) -> list[str]:
    """One line per row left uncounted, with the reason."""
    return [
        cell_text(f"{r.backend} {r.problem} {r.size:,} {r.dtype}: {reason}")
        for r, reason in records
    ]


def _without(cells: list[str], columns: list[int]) -> list[str]:
    return [c for i, c in enumerate(cells) if i not in columns]


def _run_headers(group: Group) -> list[str]:
    return ["", "K", "instr/iter", f"per {_size_label(group[0])}", "allocator", "time/iter"]


def run_table(records: list[Record], markdown: bool = False) -> str:
    """The counted rows' instructions per iteration (and per unit of the size: a point, a
    walker), the allocator's share of them, and the mean time per iteration the timing
    table shows; one table per problem, size and dtype (one table in Markdown); then the
    rows not counted and why."""
    counted = [r for r in records if r.instructions is not None]
    lines = ["Instructions of one K-call under callgrind, every thread (lower is better):", ""]
    if counted and markdown:
        rows = [list(MARKDOWN_RUN_HEADERS), *(_row_cells(r) for r in counted)]
        lines.append(_markdown(rows, LEFT))
    elif counted:
        shares = any(r.allocator_instructions is not None for r in counted)
        drop = [] if shares else [4]  # a file from before the allocator's share was kept

        def headers(group: Group) -> list[str]:
            return _without(_run_headers(group), drop)

        items = [
            (_group(r), _without([cell_text(r.backend), *_count_cells(r)], drop)) for r in counted
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


def diff_table(result: CountDiff, markdown: bool = False) -> str:
    """The compared rows: one Markdown table (changed verdicts in bold), or one aligned
    table per problem, size and dtype."""
    if markdown:
        rows = [list(MARKDOWN_DIFF_HEADERS)]
        for change in result.changes:
            new = change.new
            cells = [cell_text(new.backend), cell_text(new.problem), f"{new.size:,}"]
            cells += [cell_text(new.dtype), *_change_numbers(change)]
            if change.verdict != "same":
                cells[-1] = f"**{cells[-1]}**"
            rows.append(cells)
        return _markdown(rows, {*LEFT, 7})
    headers = ["", "old instr/iter", "new instr/iter", "new/old", "verdict"]
    items = [
        (_group(c.new), [cell_text(c.new.backend), *_change_numbers(c)]) for c in result.changes
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
