"""The comparison as one block per row, a column a line: where even one size's times do not
fit the width (``pivot``)."""

from __future__ import annotations

from descent_bench.output.cells import ShownRow, cell_text, columns


def blocks(rows: list[ShownRow]) -> str:
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
