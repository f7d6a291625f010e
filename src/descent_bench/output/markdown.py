"""The comparison as Markdown: the summary, then a table with every field (baselines in
italics)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from descent_bench.output.cells import fields, shown_rows
from descent_bench.output.grid import Column, Grid
from descent_bench.output.summary import summarize
from descent_bench.records.record import Record


def comparison(records: list[Record], ceilings: Mapping[str, Any] | None = None) -> str:
    """The summary (where ``ceilings`` are given) and every row's every field."""
    rows = shown_rows(records)
    lines = []
    if ceilings is not None:
        lines += [f"- {line}" for line in summarize(rows, ceilings).lines()] + [""]
    shown = fields(records, exclude=("device",))
    columns = [Column(f.name, justify=f.justify) for f in shown]
    cells = [[f.text(row) for f in shown] for row in rows]
    marks = {(i, 0): "*" for i, row in enumerate(rows) if row.record.baseline}
    return "\n".join(lines + Grid(columns, cells, marks).markdown())
