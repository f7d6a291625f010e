"""The comparison as a rich table (baselines dim, disagreeing rows bold red), or as plain
aligned text for very many rows, which rich lays out slowly."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from descent_bench.measurement.records import Record
from descent_bench.output.cells import cell_text, columns

PLAIN_ABOVE = 2000  # rows; beyond this ``show`` prints ``plain_table``


def table(records: list[Record], title: str) -> Table:
    shown = columns(records)
    t = Table(title=escape(cell_text(title)))
    for column in shown:
        t.add_column(column.name, justify=column.justify)
    for r in records:
        cells = [cell_text(c.cell(r)) for c in shown]
        if r.baseline:
            cells[0] += " (baseline)"
        style = "bold red" if not r.agrees else ("dim" if r.baseline else None)
        t.add_row(*map(escape, cells), style=style)
    return t


def plain_table(records: list[Record]) -> str:
    """The same columns as ``table``, as aligned plain text (fast for any number of rows)."""
    shown = columns(records)
    rows = [[c.name for c in shown]]
    rows += [[cell_text(c.cell(r)) for c in shown] for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(shown))]
    lines = []
    for row in rows:
        cells = [
            text.ljust(width) if column.justify == "left" else text.rjust(width)
            for text, width, column in zip(row, widths, shown, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def blocks(records: list[Record]) -> str:
    """One block per row, a column a line: for terminals too narrow for the table."""
    shown = columns(records)
    width = max(len(c.name) for c in shown)
    out: list[str] = []
    for r in records:
        cells = [cell_text(c.cell(r)) for c in shown]
        if r.baseline:
            cells[0] += " (baseline)"
        out.extend(f"{c.name:>{width}}  {text}" for c, text in zip(shown, cells, strict=True))
        out.append("")
    return "\n".join(out).rstrip()


def fits(records: list[Record], width: int) -> bool:
    """Whether the table's rows fit in ``width`` columns (its borders and padding included)."""
    shown = columns(records)
    widest = [max([len(c.name)] + [len(cell_text(c.cell(r))) for r in records]) for c in shown]
    return sum(widest) + 3 * len(shown) + 1 + len(" (baseline)") <= width
