"""The comparison as a rich table (baselines dim, disagreeing rows bold red)."""

from __future__ import annotations

from rich.table import Table

from descent_bench.measurement.records import Record
from descent_bench.output.cells import columns


def table(records: list[Record], title: str) -> Table:
    shown = columns(records)
    t = Table(title=title)
    for column in shown:
        t.add_column(column.name, justify=column.justify)
    for r in records:
        cells = [c.cell(r) for c in shown]
        if r.baseline:
            cells[0] += " (baseline)"
        style = "bold red" if not r.agrees else ("dim" if r.baseline else None)
        t.add_row(*cells, style=style)
    return t
