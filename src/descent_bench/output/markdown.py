"""The comparison as Markdown: the summary, then a table with every column (baselines in
italics)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from descent_bench.output.cells import cell_text, columns, shown_rows
from descent_bench.output.summary import summarize
from descent_bench.records.record import Record

RULES = {"left": "---", "center": ":---:", "right": "---:"}


def markdown(records: list[Record], ceilings: Mapping[str, Any] | None = None) -> str:
    rows = shown_rows(records)
    lines = []
    if ceilings is not None:
        lines += [f"- {line}" for line in summarize(rows, ceilings).lines()] + [""]
    shown = columns(records, exclude=("device",))
    align = [RULES[c.justify] for c in shown]
    lines += ["| " + " | ".join(c.name for c in shown) + " |", "| " + " | ".join(align) + " |"]
    for row in rows:
        cells = [cell_text(c.cell(row)).replace("|", "\\|") for c in shown]
        if row.record.baseline:
            cells[0] = f"*{cells[0]}*"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
