"""The columns of a comparison and how each formats a row's cell, for every output: a record
and the ratios computed for it among the rows shown."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from descent_bench.records.ratios import Ratio, relate, shown_seconds
from descent_bench.records.record import TUTORIAL, Record

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


def significant(value: float, figures: int = 3) -> str:
    """``value`` to ``figures`` significant figures, thousands separated: 0.390, 4.70, 236,
    1,710."""
    if value == 0 or not math.isfinite(value):
        return format(value, "g")
    decimals = figures - 1 - math.floor(math.log10(abs(value)))
    rounded = round(value, decimals)
    if rounded and math.floor(math.log10(abs(rounded))) > math.floor(math.log10(abs(value))):
        decimals -= 1  # 9.996 rounds up to 10.0: one figure fewer after the point
        rounded = round(value, decimals)
    return format(rounded, f",.{max(0, decimals)}f")


_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))


def duration(seconds: float) -> str:
    """Seconds in the unit that puts 1-999 before it, three significant figures: 4.70 µs."""
    if not math.isfinite(seconds):
        return "-"
    for scale, unit in _UNITS:
        if float(significant(abs(seconds) / scale).replace(",", "")) >= 1:
            return f"{significant(seconds / scale)} {unit}"
    return f"{significant(seconds / 1e-9)} ns"


def half_width(interval: Ratio) -> str:
    """The interval's half-width over its value, as ``±4%`` (``±0.4%`` below 1%)."""
    if math.isnan(interval.low) or interval.value <= 0:
        return ""
    half = 100 * (interval.high - interval.low) / 2 / interval.value
    return f"±{half:.1f}%" if half < 1 else f"±{half:.0f}%"


def full_precision(precision: str) -> bool:
    """Matrix products at float32's own precision (not TF32 or another lower one)."""
    return precision.startswith("full")


def agreement(r: Record) -> str:
    """✓ within the tolerance of an independent reference, "self" of the kernel itself on
    NumPy (no independent check), ✗ outside."""
    if not r.agrees:
        return "✗"
    return "self" if r.reference == "kernel" else "✓"


def row_label(r: Record) -> str:
    """The row's label, with its matrix-product precision where lower than full (TF32)."""
    return r.backend if full_precision(r.precision) else f"{r.backend} [{r.precision}]"


@dataclass(frozen=True)
class ShownRow:
    """A record with its shown figure (mean seconds per iteration and interval) and the
    ratios computed for it among the rows shown."""

    record: Record
    seconds: Ratio
    speedup_vs_tutorial: Ratio | None
    parallel_efficiency: Ratio | None

    @property
    def gbytes_per_second(self) -> float:
        return self.record.bytes_per_iteration / self.seconds.value / 1e9

    @property
    def roof_fraction(self) -> float | None:
        """The binding roof's time over the shown (mean) time: 1 at the roof."""
        roof = self.record.roof_seconds
        return None if roof is None else roof / self.seconds.value

    @property
    def bandwidth_fraction(self) -> float | None:
        """Of the ceiling, at the shown (mean) time."""
        r = self.record
        if r.bandwidth_fraction is None:
            return None
        return r.bandwidth_fraction * r.seconds_per_iteration / self.seconds.value


def shown_rows(records: list[Record]) -> list[ShownRow]:
    relations = relate(records, TUTORIAL)
    return [
        ShownRow(
            r,
            shown_seconds(r),
            relations.speedup_vs_tutorial.get(i),
            relations.parallel_efficiency.get(i),
        )
        for i, r in enumerate(records)
    ]


@dataclass(frozen=True)
class Field:
    """What a comparison can say of a row, one value each: a name, the row's value as text,
    and how it aligns."""

    name: str
    text: Callable[[ShownRow], str]
    justify: Literal["left", "center", "right"] = "right"


FIELDS = (
    Field("backend", lambda s: row_label(s.record), justify="left"),
    Field("device", lambda s: s.record.device, justify="left"),
    Field("problem", lambda s: s.record.problem, justify="left"),
    Field("size", lambda s: f"{s.record.size:,}"),
    Field("dtype", lambda s: s.record.dtype),
    Field("compile s", lambda s: _fmt(s.record.compile_seconds, ".3f")),
    Field("time/iter", lambda s: duration(s.seconds.value)),
    Field("±", lambda s: half_width(s.seconds) or "-"),
    Field("iter/s", lambda s: significant(1 / s.seconds.value)),
    Field("GB/s", lambda s: significant(s.gbytes_per_second)),
    Field("% of BW", lambda s: _percent(s.bandwidth_fraction)),
    Field("vs tutorial", lambda s: _interval(s.speedup_vs_tutorial, ",.1f", "x")),
    Field("max rel diff", lambda s: f"{s.record.max_rel_diff:.1e}"),
    Field("tolerance", lambda s: _fmt(s.record.tolerance, ".1e")),
    Field("agrees", lambda s: agreement(s.record), justify="center"),
)
PARALLEL_EFFICIENCY = Field("par. eff.", lambda s: _interval(s.parallel_efficiency, ".2f"))
ROOFS = (
    Field("data in", lambda s: s.record.data_in or "-"),
    Field("roof", lambda s: s.record.binding_roof or "-"),
    Field("% of roof", lambda s: _percent(s.roof_fraction)),
    Field("compute roof", lambda s: _duration_or_dash(s.record.compute_roof_seconds)),
    Field("memory roof", lambda s: _duration_or_dash(s.record.memory_roof_seconds)),
)


def _duration_or_dash(seconds: float | None) -> str:
    return "-" if seconds is None else duration(seconds)


def fields(records: list[Record], exclude: tuple[str, ...] = ()) -> list[Field]:
    """The fields for ``records``: parallel efficiency only where a row is split, the roofs
    only where they were measured."""
    chosen = [f for f in FIELDS if f.name not in exclude]
    if any(r.roof_seconds is not None for r in records):
        chosen += [f for f in ROOFS if f.name not in exclude]
    if any(r.devices > 1 for r in records):
        chosen.append(PARALLEL_EFFICIENCY)
    return chosen


Group = tuple[str, int, str, "int | None"]  # problem, size, dtype, threads


def group_of(r: Record) -> Group:
    """The rows a table groups together: one problem, size, dtype and thread count."""
    return (r.problem, r.size, r.dtype, r.threads)


def size_unit(problem: str) -> str:
    """What a problem's size counts, singular ("point", "walker"); "element" if unknown."""
    from descent_bench.kernels import PROBLEMS

    found = PROBLEMS.get(problem)
    label = getattr(found, "size_label", "elements") if found is not None else "elements"
    return label[:-1] if label.endswith("s") else label


def group_title(group: Group) -> str:
    """A group's title: ``sine  2,000 points  float64`` (and its threads where not one)."""
    problem, size, dtype, threads = group
    unit = size_unit(problem)
    parts = [cell_text(problem), f"{size:,} {unit}{'s' if size != 1 else ''}", cell_text(dtype)]
    if threads is not None and threads != 1:
        parts.append(f"{threads} threads")
    return "  ".join(parts)
