"""What ``compare`` and ``show`` print: a header line, one table per problem fitted to the
width, a legend, and the summary that answers the question; one block per row where even the
times do not fit."""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from descent_bench.output import pivot
from descent_bench.output.blocks import blocks
from descent_bench.output.cells import cell_text, shown_rows
from descent_bench.output.summary import summarize
from descent_bench.records.record import Record

PIPE_WIDTH = 100  # where no width is known (a pipe, a CI log) and $COLUMNS is not set


def output_width() -> int:
    """The terminal's width; else ``$COLUMNS``; else ``PIPE_WIDTH``."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isascii() and columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size((PIPE_WIDTH, 24)).columns
    return PIPE_WIDTH


def wrap(text: str, width: int | None = None, first: str = "", rest: str = "  ") -> list[str]:
    """``text`` broken at words to ``width`` (the output's width by default), its first line
    after ``first`` and the others after ``rest``; one empty line for an empty text."""
    return textwrap.wrap(
        text, width or output_width(), initial_indent=first, subsequent_indent=rest
    ) or [""]


def screen(
    records: Sequence[Record],
    ceilings: Mapping[str, Any],
    title: str,
    width: int,
    closing: Sequence[str] = (),
) -> list[str]:
    """The lines to print: title, header, tables (or blocks), legend, summary, ``closing``."""
    rows = shown_rows(list(records))

    lines = [*wrap(cell_text(title), width), *wrap(pivot.header_line(rows), width), ""]
    tables = pivot.tables(rows, width)
    lines += tables if tables is not None else blocks(rows)
    lines.append("")
    for line in pivot.legend(rows, tables or []):
        lines += wrap(line, width)
    lines += ["", "Summary:"]
    for line in summarize(rows, ceilings).lines():
        lines += wrap(line, width, first="  ", rest="    ")
    for line in closing:
        lines += wrap(line, width)
    return lines
