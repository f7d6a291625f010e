"""Instruction counts as text: a counted run's rows (``compare --count instructions``,
``show``), and two counted runs compared (``diff``), plain or as Markdown."""

from __future__ import annotations

from collections.abc import Sequence

from descent_bench.measurement.count_verdicts import CountChange, CountDiff
from descent_bench.measurement.records import Record
from descent_bench.output.cells import cell_text

RUN_HEADERS = (
    "backend",
    "problem",
    "size",
    "dtype",
    "K",
    "instr/iter",
    "instr/iter/elem",
    "µs/iter",
)
DIFF_HEADERS = (
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


def _row_cells(r: Record) -> list[str]:
    return [
        cell_text(r.backend),
        cell_text(r.problem),
        f"{r.size:,}",
        cell_text(r.dtype),
        f"{r.iterations:,}",
        f"{r.instructions_per_iteration:,.0f}" if r.instructions_per_iteration else "-",
        f"{r.instructions_per_element:.2f}" if r.instructions_per_element else "-",
        f"{r.seconds_per_iteration * 1e6:,.2f}",
    ]


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


def run_table(records: list[Record], markdown: bool = False) -> str:
    """The counted rows' instructions per iteration (and per element of the size: a point,
    a walker) beside their median time, then the rows not counted and why."""
    counted = [r for r in records if r.instructions is not None]
    lines = ["Instructions of one K-call under callgrind, every thread (lower is better):", ""]
    if counted:
        rows = [list(RUN_HEADERS), *(_row_cells(r) for r in counted)]
        lines.append(_markdown(rows, LEFT) if markdown else _aligned(rows, LEFT))
    left_out = not_counted([(r, r.uncounted or "not counted") for r in records if r not in counted])
    if left_out:
        lines += ["", "Not counted:", *(f"  {line}" for line in left_out)]
    return "\n".join(lines)


def _change_cells(change: CountChange) -> list[str]:
    old, new = change.old, change.new
    return [
        cell_text(new.backend),
        cell_text(new.problem),
        f"{new.size:,}",
        cell_text(new.dtype),
        f"{old.instructions_per_iteration:,.0f}",
        f"{new.instructions_per_iteration:,.0f}",
        f"{change.ratio:.4f}",
        change.verdict,
    ]


def diff_table(result: CountDiff, markdown: bool = False) -> str:
    rows = [list(DIFF_HEADERS), *(_change_cells(c) for c in result.changes)]
    if markdown:
        for row, change in zip(rows[1:], result.changes, strict=True):
            if change.verdict != "same":
                row[-1] = f"**{row[-1]}**"
    return _markdown(rows, {*LEFT, 7}) if markdown else _aligned(rows, {*LEFT, 7})


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
    return (
        f"{len(result.changes)} rows compared by instruction count (same within "
        f"±{100 * result.tolerance:g}%): " + ", ".join(parts + extra)
    )
