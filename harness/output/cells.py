"""The columns of a comparison and how each formats a record's cell, for every output."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from descent_bench.measurement.records import Record

# Control characters (C0, DEL, C1) in names read from a file would drive the terminal.
_CONTROL = dict.fromkeys([*range(32), *range(127, 160)], "?")


def cell_text(text: str) -> str:
    """``text`` safe to print: control characters replaced."""
    return text.translate(_CONTROL)


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else format(value, spec) + suffix


def _percent(value: float | None) -> str:
    return _fmt(None if value is None else 100 * value, ".0f")


@dataclass(frozen=True)
class Column:
    name: str
    cell: Callable[[Record], str]
    justify: Literal["left", "center", "right"] = "right"


COLUMNS = (
    Column("backend", lambda r: r.backend, justify="left"),
    Column("device", lambda r: r.device, justify="left"),
    Column("problem", lambda r: r.problem, justify="left"),
    Column("size", lambda r: f"{r.size:,}"),
    Column("dtype", lambda r: r.dtype),
    Column("compile s", lambda r: f"{r.compile_seconds:.3f}"),
    Column("µs/iter", lambda r: f"{r.seconds_per_iteration * 1e6:,.2f}"),
    Column("iter/s", lambda r: f"{r.iterations_per_second:,.0f}"),
    Column("GB/s", lambda r: f"{r.gbytes_per_second:.2f}"),
    Column("% of BW", lambda r: _percent(r.bandwidth_fraction)),
    Column("vs tutorial", lambda r: _fmt(r.speedup_vs_tutorial, ",.1f", "x")),
    Column("max rel diff", lambda r: f"{r.max_rel_diff:.1e}"),
    Column("agrees", lambda r: "✓" if r.agrees else "✗", justify="center"),
)
PARALLEL_EFFICIENCY = Column("par. eff.", lambda r: _fmt(r.parallel_efficiency, ".2f"))


def columns(records: list[Record], exclude: tuple[str, ...] = ()) -> list[Column]:
    """The columns for ``records``: parallel efficiency only where a row is split."""
    chosen = [c for c in COLUMNS if c.name not in exclude]
    if any(r.devices > 1 for r in records):
        chosen.append(PARALLEL_EFFICIENCY)
    return chosen
