"""The comparison as a Markdown table (baselines in italics)."""

from __future__ import annotations

from descent_bench.measurement.records import Record
from descent_bench.output.cells import cell_text, columns, shown_rows

RULES = {"left": "---", "center": ":---:", "right": "---:"}


def markdown(records: list[Record]) -> str:
    shown = columns(records, exclude=("device",))
    align = [RULES[c.justify] for c in shown]
    lines = ["| " + " | ".join(c.name for c in shown) + " |", "| " + " | ".join(align) + " |"]
    for row in shown_rows(records):
        cells = [cell_text(c.cell(row)).replace("|", "\\|") for c in shown]
        if row.record.baseline:
            cells[0] = f"*{cells[0]}*"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
