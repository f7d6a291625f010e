"""The comparison as one block per row, a field a line: where even one size's times do not
fit the width (``pivot``)."""

from __future__ import annotations

from descent_bench.output.cells import ShownRow, fields
from descent_bench.output.grid import Column, Grid


def blocks(rows: list[ShownRow]) -> list[str]:
    """Each row as a grid of its fields' names and values, a blank line apart."""
    shown = fields([row.record for row in rows])
    width = max(len(f.name) for f in shown)
    out: list[str] = []
    for row in rows:
        values = [f.text(row) for f in shown]
        if row.record.baseline:
            values[0] += " (baseline)"
        names = [f.name.rjust(width) for f in shown]
        grid = Grid([Column(""), Column("", justify="left")], list(zip(names, values, strict=True)))
        out += [*grid.lines()[1:], ""]
    return out[:-1]
