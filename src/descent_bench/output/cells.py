"""The columns of a comparison and how each formats a row's cell, for every output: a record
and the ratios computed for it among the rows shown."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from descent_bench.measurement.ratios import Ratio, relate
from descent_bench.measurement.records import TUTORIAL, Record

# Control characters (C0, DEL, C1) in names read from a file would drive the terminal.
_CONTROL = dict.fromkeys([*range(32), *range(127, 160)], "?")


def cell_text(text: str) -> str:
    """``text`` safe to print: control characters replaced."""
    return text.translate(_CONTROL)


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else format(value, spec) + suffix


def _percent(value: float | None) -> str:
    return _fmt(None if value is None else 100 * value, ".0f")


def _interval(ratio: Ratio | None, spec: str, suffix: str = "") -> str:
    """A ratio and its interval: ``12.3x (11.8-12.9)``; the value alone without samples."""
    if ratio is None:
        return "-"
    text = format(ratio.value, spec) + suffix
    if math.isnan(ratio.low):
        return text
    return f"{text} ({ratio.low:{spec}}-{ratio.high:{spec}})"


def _noise(r: Record) -> str:
    noise = r.relative_noise
    if math.isnan(noise):
        return "-"
    return f"{100 * noise:.0f}%" + (" noisy" if r.noisy else "")


def _label(r: Record) -> str:
    """The row's label, with its matrix-product precision where not full (e.g. TF32)."""
    return r.backend if r.precision == "full" else f"{r.backend} [{r.precision}]"


@dataclass(frozen=True)
class ShownRow:
    """A record with the ratios computed for it among the rows shown."""

    record: Record
    speedup_vs_tutorial: Ratio | None
    parallel_efficiency: Ratio | None


def shown_rows(records: list[Record]) -> list[ShownRow]:
    relations = relate(records, TUTORIAL)
    return [
        ShownRow(r, relations.speedup_vs_tutorial.get(i), relations.parallel_efficiency.get(i))
        for i, r in enumerate(records)
    ]


@dataclass(frozen=True)
class Column:
    name: str
    cell: Callable[[ShownRow], str]
    justify: Literal["left", "center", "right"] = "right"


COLUMNS = (
    Column("backend", lambda s: _label(s.record), justify="left"),
    Column("device", lambda s: s.record.device, justify="left"),
    Column("problem", lambda s: s.record.problem, justify="left"),
    Column("size", lambda s: f"{s.record.size:,}"),
    Column("dtype", lambda s: s.record.dtype),
    Column("compile s", lambda s: _fmt(s.record.compile_seconds, ".3f")),
    Column("µs/iter", lambda s: f"{s.record.seconds_per_iteration * 1e6:,.2f}"),
    Column("±", lambda s: _noise(s.record)),
    Column("iter/s", lambda s: f"{s.record.iterations_per_second:,.0f}"),
    Column("GB/s", lambda s: f"{s.record.gbytes_per_second:.2f}"),
    Column("% of BW", lambda s: _percent(s.record.bandwidth_fraction)),
    Column("vs tutorial", lambda s: _interval(s.speedup_vs_tutorial, ",.1f", "x")),
    Column("max rel diff", lambda s: f"{s.record.max_rel_diff:.1e}"),
    Column("agrees", lambda s: "✓" if s.record.agrees else "✗", justify="center"),
)
PARALLEL_EFFICIENCY = Column("par. eff.", lambda s: _interval(s.parallel_efficiency, ".2f"))


def columns(records: list[Record], exclude: tuple[str, ...] = ()) -> list[Column]:
    """The columns for ``records``: parallel efficiency only where a row is split."""
    chosen = [c for c in COLUMNS if c.name not in exclude]
    if any(r.devices > 1 for r in records):
        chosen.append(PARALLEL_EFFICIENCY)
    return chosen
