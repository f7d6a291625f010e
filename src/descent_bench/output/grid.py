"""The one way a table is drawn: aligned plain text fitted to a width, or Markdown.

A ``Grid`` is columns and rows of cell text. Its plain text has a line of column groups
where any column has one (a size over its columns; the first column's group is the table's
title, over the labels), a line of column names, then the rows, each cell aligned as its
column says, two spaces apart; a column empty in every row is left out. ``fit`` keeps the
columns without a ``kind`` and adds the others kind by kind, in the order asked, while the
table fits the width: columns are dropped before a row would wrap. ``grouped`` draws one
grid per group of rows under the group's title (a problem, a size, a dtype), so values the
group's rows share are said once, above them. The Markdown keeps every column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from descent_bench.output.cells import cell_text

GAP = "  "
RULES = {"left": "---", "center": ":---:", "right": "---:"}


@dataclass(frozen=True)
class Column:
    """A column: its name (the header), the group over it (e.g. a size; "" none), how its
    cells align, and its ``kind`` where it is one of the columns ``fit`` may leave out (None:
    always shown)."""

    name: str
    group: str = ""
    justify: Literal["left", "center", "right"] = "right"
    kind: str | None = None


@dataclass(frozen=True)
class Grid:
    """Columns and rows of cell text; ``marks`` wraps a cell of the Markdown in emphasis
    (``*``) or strong (``**``), by (row, column)."""

    columns: Sequence[Column]
    rows: Sequence[Sequence[str]]
    marks: dict[tuple[int, int], str] = field(default_factory=dict)

    def _kept(self) -> list[int]:
        """The columns that are not empty in every row (the first always)."""
        return [
            i
            for i in range(len(self.columns))
            if i == 0 or any(row[i].strip() for row in self.rows)
        ]

    def lines(self) -> list[str]:
        """The grid as aligned plain text (its group line where a column has a group)."""
        kept = self._kept()
        columns = [self.columns[i] for i in kept]
        bodies = [[row[i] for row in self.rows] for i in kept]
        widths = [
            max(len(c.name), *(len(t) for t in body), len(c.group) if n == 0 else 0)
            for n, (c, body) in enumerate(zip(columns, bodies, strict=True))
        ]
        out = []
        if any(c.group for c in columns):
            shown: str | None = None
            groups = []
            for c, width in zip(columns, widths, strict=True):
                group = c.group if c.group != shown else ""
                shown = c.group or shown
                groups.append(group.ljust(width) if group else " " * width)
            out.append(GAP.join(groups))
        out.append(GAP.join(_aligned(c.name, c, w) for c, w in zip(columns, widths, strict=True)))
        for r in range(len(self.rows)):
            cells = (
                _aligned(body[r], c, w) for c, body, w in zip(columns, bodies, widths, strict=True)
            )
            out.append(GAP.join(cells))
        return [cell_text(line.rstrip()) for line in out]

    def width(self) -> int:
        return max(map(len, self.lines()))

    def only(self, kinds: Iterable[str]) -> Grid:
        """This grid with its optional columns of ``kinds`` alone (and every other)."""
        chosen = set(kinds)
        keep = [i for i, c in enumerate(self.columns) if c.kind is None or c.kind in chosen]
        return Grid(
            [self.columns[i] for i in keep],
            [[row[i] for i in keep] for row in self.rows],
            {(r, keep.index(c)): m for (r, c), m in self.marks.items() if c in keep},
        )

    def fit(self, width: int, order: Sequence[str]) -> Grid | None:
        """The columns always shown, and the optional ones added kind by kind in ``order``
        while the text fits ``width``; None where even the columns always shown do not."""
        chosen: list[str] = []
        if self.only(chosen).width() > width:
            return None
        for kind in order:
            if self.only([*chosen, kind]).width() <= width:
                chosen.append(kind)
        return self.only(chosen)

    def markdown(self) -> list[str]:
        """The grid as a Markdown table, every column kept, ``|`` in a cell escaped."""

        def escaped(text: str) -> str:
            return cell_text(text).replace("|", "\\|")

        lines = [
            "| " + " | ".join(escaped(c.name) for c in self.columns) + " |",
            "| " + " | ".join(RULES[c.justify] for c in self.columns) + " |",
        ]
        for r, row in enumerate(self.rows):
            cells = []
            for c, text in enumerate(row):
                mark = self.marks.get((r, c), "")
                cells.append(f"{mark}{escaped(text)}{mark}")
            lines.append("| " + " | ".join(cells) + " |")
        return lines


def _aligned(text: str, column: Column, width: int) -> str:
    if column.justify == "left":
        return text.ljust(width)
    if column.justify == "center":
        return text.center(width)
    return text.rjust(width)


def grouped(
    groups: Iterable[tuple[str, Grid]], draw: Callable[[Grid], list[str]] = Grid.lines
) -> list[str]:
    """Each group's title, then its grid drawn by ``draw``, a blank line apart."""
    lines: list[str] = []
    for title, grid in groups:
        if lines:
            lines.append("")
        lines += [cell_text(title), *draw(grid)]
    return lines


def with_rows(grid: Grid, rows: Sequence[Sequence[str]]) -> Grid:
    return replace(grid, rows=rows, marks={})
