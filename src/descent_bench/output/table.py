"""The comparison as a rich table (baselines dim, disagreeing rows bold red), or as plain
aligned text for very many rows, which rich lays out slowly."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from descent_bench.output.cells import ShownRow, cell_text, columns

PLAIN_ABOVE = 2000  # rows; beyond this ``show`` prints ``plain_table``


def table(rows: list[ShownRow], title: str) -> Table:
    shown = columns([row.record for row in rows])
    t = Table(title=escape(cell_text(title)))
    for column in shown:
        t.add_column(column.name, justify=column.justify)
    for row in rows:
        r = row.record
        cells = [cell_text(c.cell(row)) for c in shown]
        if r.baseline:
            cells[0] += " (baseline)"
        style = "bold red" if not r.agrees else ("dim" if r.baseline else None)
        t.add_row(*map(escape, cells), style=style)
    return t


def plain_table(rows: list[ShownRow]) -> str:
    """The same columns as ``table``, as aligned plain text (fast for any number of rows)."""
    shown = columns([row.record for row in rows])
    lines_of_cells = [[c.name for c in shown]]
    lines_of_cells += [[cell_text(c.cell(row)) for c in shown] for row in rows]
    widths = [max(len(cells[i]) for cells in lines_of_cells) for i in range(len(shown))]
    lines = []
    for row_cells in lines_of_cells:
        cells = [
            text.ljust(width) if column.justify == "left" else text.rjust(width)
            for text, width, column in zip(row_cells, widths, shown, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def blocks(rows: list[ShownRow]) -> str:
    """One block per row, a column a line: for terminals too narrow for the table."""
    shown = columns([row.record for row in rows])
    width = max(len(c.name) for c in shown)
    out: list[str] = []
    for row in rows:
        cells = [cell_text(c.cell(row)) for c in shown]
        if row.record.baseline:
            cells[0] += " (baseline)"
        out.extend(f"{c.name:>{width}}  {text}" for c, text in zip(shown, cells, strict=True))
        out.append("")
    return "\n".join(out).rstrip()


def fits(rows: list[ShownRow], width: int) -> bool:
    """Whether the table's rows fit in ``width`` columns (its borders and padding included)."""
    shown = columns([row.record for row in rows])
    widest = [max([len(c.name)] + [len(cell_text(c.cell(row))) for row in rows]) for c in shown]
    return sum(widest) + 3 * len(shown) + 1 + len(" (baseline)") <= width
