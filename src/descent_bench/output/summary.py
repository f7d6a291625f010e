"""The answer of a comparison in a few lines: per problem and size, the fastest backend, its
margin over the next and over the tutorial; where the fastest changes with size; the rows
that disagree with the reference; what "% of BW" divides by.

Derived from the records whenever shown (terminal, Markdown, JSON), never stored apart.
Ranks compare each row's mean time per iteration; two rows whose 95% intervals overlap are
tied (their order is not known). The C loop (``c-fused``) and the baselines are reported
beside the backends, not ranked among them: they are not libraries a user picks.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from descent_bench.output.cells import ShownRow, cell_text, duration, half_width, significant
from descent_bench.records.ratios import Ratio, ratio
from descent_bench.records.record import C_FUSED, TUTORIAL
from descent_bench.records.run import Ceiling


def name(s: ShownRow, with_device: bool) -> str:
    """The row's label, with its device where CPU and GPU rows are shown together."""
    r = s.record
    return (
        f"{r.backend} ({'cpu' if r.platform == 'cpu' else r.device})" if with_device else r.backend
    )


def overlap(a: Ratio, b: Ratio) -> bool:
    """Two shown figures whose intervals overlap (no interval: never)."""
    return a.low <= b.high and b.low <= a.high


def ranked(rows: Sequence[ShownRow]) -> list[ShownRow]:
    """The backends' rows (not the C loop, not a baseline, not one that disagrees with the
    reference) fastest first."""
    backends = [
        s for s in rows if not s.record.baseline and s.record.backend != C_FUSED and s.record.agrees
    ]
    return sorted(backends, key=lambda s: s.seconds.value)


@dataclass(frozen=True)
class SizeAnswer:
    """The fastest backend at one problem and size, and how far ahead it is."""

    problem: str
    size: int
    fastest: ShownRow
    runner_up: ShownRow | None
    tied: tuple[str, ...]  # labels whose intervals overlap the fastest's
    ahead: Ratio | None  # the runner-up's time over the fastest's
    over_tutorial: Ratio | None  # the tutorial's time over the fastest's
    c_loop: ShownRow | None
    names: tuple[str, str | None]  # the fastest's and the runner-up's, as shown

    def line(self) -> str:
        f = self.fastest
        text = f"{self.problem} {self.size:,}: {self.names[0]}, {duration(f.seconds.value)}"
        spread = half_width(f.seconds)
        text += f" {spread}" if spread else ""
        margins = []
        if self.tied:
            margins.append(f"tied with {', '.join(self.tied)} (intervals overlap)")
        elif self.runner_up is not None and self.ahead is not None:
            margins.append(f"{_times_text(self.ahead)} faster than {self.names[1]}")
        if self.over_tutorial is not None:
            margins.append(f"{_times_text(self.over_tutorial)} faster than the tutorial")
        if margins:
            text += ": " + ", ".join(margins)
        if self.c_loop is not None:
            text += f"; the C loop {duration(self.c_loop.seconds.value)}"
        r = f.record
        if r.roof_seconds is not None and f.roof_fraction is not None:
            text += (
                f"; the {r.binding_roof} roof ({r.data_in} data) {duration(r.roof_seconds)}: "
                f"{100 * f.roof_fraction:.0f}% of it"
            )
        return cell_text(text)

    def as_json(self) -> dict[str, Any]:
        return {
            "problem": self.problem,
            "size": self.size,
            "fastest": self.names[0],
            "seconds_per_iteration": _interval_json(self.fastest.seconds),
            "tied_with": list(self.tied),
            "runner_up": self.names[1],
            "runner_up_over_fastest": _interval_json(self.ahead),
            "tutorial_over_fastest": _interval_json(self.over_tutorial),
            "binding_roof": self.fastest.record.binding_roof or None,
            "fastest_of_roof": self.fastest.roof_fraction,
        }


def _times_text(r: Ratio) -> str:
    """``2.98x (2.61-3.30)``."""
    text = f"{significant(r.value)}x"
    if r.low == r.low:  # not nan
        text += f" ({significant(r.low)}-{significant(r.high)})"
    return text


def _interval_json(r: Ratio | None) -> dict[str, float | None] | None:
    if r is None:
        return None
    nan = r.low != r.low
    return {"value": r.value, "low": None if nan else r.low, "high": None if nan else r.high}


@dataclass(frozen=True)
class Crossover:
    """The fastest backend differs between two neighbouring sizes of a problem."""

    problem: str
    smaller: int
    larger: int
    before: str
    after: str

    def line(self) -> str:
        return cell_text(
            f"{self.problem}: fastest changes between {self.smaller:,} and {self.larger:,} "
            f"({self.before} -> {self.after})"
        )


@dataclass(frozen=True)
class Summary:
    answers: tuple[SizeAnswer, ...]
    crossovers: tuple[Crossover, ...]
    disagreeing: tuple[ShownRow, ...]
    rows: int
    ceilings: Mapping[str, Ceiling]
    checks: tuple[str, ...] = ()  # what each problem's rows were checked against
    roofed: bool = False  # the rows were placed under measured roofs (``% roof``)

    def lines(self) -> list[str]:
        out = [a.line() for a in self.answers]
        out += [c.line() for c in self.crossovers]
        if self.disagreeing:
            listed = ", ".join(
                f"{s.record.backend} {s.record.problem} {s.record.size:,} "
                f"(max rel diff {s.record.max_rel_diff:.1e}{_tolerance_text(s)})"
                for s in self.disagreeing
            )
            out.append(cell_text(f"DISAGREE with the reference: {listed}"))
        out += [cell_text(line) for line in self.checks]
        for platform, c in sorted(self.ceilings.items()):
            lead = f"Read roof from memory ({platform}):" if self.roofed else f"% BW ({platform})"
            out.append(
                cell_text(
                    f"{lead} {'' if self.roofed else 'divides by '}"
                    f"{significant(c.gbytes_per_second)} GB/s, the "
                    f"fastest read of a large array in this run ({c.measured_by})"
                )
            )
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "fastest": [a.as_json() for a in self.answers],
            "crossovers": [
                {
                    "problem": c.problem,
                    "between": [c.smaller, c.larger],
                    "before": c.before,
                    "after": c.after,
                }
                for c in self.crossovers
            ],
            "checked_against": list(self.checks),
            "disagreeing": [
                {"backend": s.record.backend, "problem": s.record.problem, "size": s.record.size}
                for s in self.disagreeing
            ],
            "ceilings": {
                p: {"gbytes_per_second": c.gbytes_per_second, "measured_by": c.measured_by}
                for p, c in self.ceilings.items()
            },
        }


def ceilings_of(saved: Mapping[str, Any]) -> dict[str, Ceiling]:
    """Ceilings as a saved file holds them (dicts), or as a run does."""
    out = {}
    for platform, c in saved.items():
        if isinstance(c, Ceiling):
            out[platform] = c
        elif isinstance(c, Mapping):
            out[platform] = Ceiling(float(c["gbytes_per_second"]), str(c["measured_by"]))
    return out


def answer(
    problem: str, size: int, rows: Sequence[ShownRow], with_device: bool = False
) -> SizeAnswer | None:
    order = ranked(rows)
    if not order:
        return None
    fastest = order[0]
    tied = tuple(name(s, with_device) for s in order[1:] if overlap(s.seconds, fastest.seconds))
    runner_up = order[1] if len(order) > 1 else None
    tutorial = next((s for s in rows if s.record.backend == TUTORIAL), None)
    c_loop = next((s for s in rows if s.record.backend == C_FUSED), None)
    return SizeAnswer(
        problem,
        size,
        fastest,
        runner_up,
        tied,
        None if runner_up is None else ratio(runner_up.record, fastest.record),
        None if tutorial is None else ratio(tutorial.record, fastest.record),
        c_loop,
        (name(fastest, with_device), None if runner_up is None else name(runner_up, with_device)),
    )


def summarize(rows: Sequence[ShownRow], ceilings: Mapping[str, Any]) -> Summary:
    """The summary of the rows shown (one dtype, devices and threads as the table groups)."""
    # Rows compete only with rows of the same dtype and threads (a file may hold several;
    # one compare run holds one of each). CPU and GPU rows do compete: that is the question.
    groups: dict[tuple[str, int, str, int | None], list[ShownRow]] = {}
    for s in rows:
        r = s.record
        groups.setdefault((r.problem, r.size, r.dtype, r.threads), []).append(s)
    several = len({key[2:] for key in groups}) > 1
    with_device = len({s.record.platform for s in rows}) > 1
    answers = []
    for (problem, size, dtype, threads), group in groups.items():
        where = f" ({dtype}, {threads} threads)" if several else ""
        if (a := answer(f"{problem}{where}", size, group, with_device)) is not None:
            answers.append(a)
    crossovers = []
    by_problem: dict[str, list[SizeAnswer]] = {}
    for a in answers:
        by_problem.setdefault(a.problem, []).append(a)
    for problem, own in by_problem.items():
        own.sort(key=lambda a: a.size)
        for small, large in itertools.pairwise(own):
            before, after = small.names[0], large.names[0]
            if before != after and not (small.tied or large.tied):
                crossovers.append(Crossover(problem, small.size, large.size, before, after))
    disagreeing = tuple(s for s in rows if not s.record.agrees)
    return Summary(
        tuple(answers),
        tuple(crossovers),
        disagreeing,
        len(rows),
        ceilings_of(ceilings),
        checked_against(rows),
        any(s.record.roof_seconds is not None for s in rows),
    )


# What each kind of reference is, in words (``reference.answer``).
CHECKED_AGAINST = {
    "exact": "the exact answer",
    "independent": "an independent float64 computation",
}


def checked_against(rows: Sequence[ShownRow]) -> tuple[str, ...]:
    """Per kind of reference, the problems whose rows met it and how many agree: never
    "agree" where the rows were compared with the kernel itself (no independent check)."""
    problems: dict[str, dict[str, list[bool]]] = {}
    for s in rows:
        r = s.record
        problems.setdefault(r.reference, {}).setdefault(r.problem, []).append(r.agrees)
    lines = []
    for kind, words in CHECKED_AGAINST.items():
        found = problems.get(kind, {})
        agreeing = sum(sum(v) for v in found.values())
        if found:
            names = ", ".join(found)
            within = "within their tolerances" if agreeing > 1 else "within its tolerance"
            lines.append(
                f"{names}: {agreeing} of {sum(map(len, found.values()))} rows {within} of {words}."
            )
    kernel = problems.get("kernel", {})
    if kernel:
        count = sum(map(len, kernel.values()))
        rows_were = f"the {count} rows were" if count > 1 else "the row was"
        lines.append(
            f"{', '.join(kernel)}: no independent check; {rows_were} compared with "
            "the kernel itself on NumPy in float64."
        )
    return tuple(lines)


def _tolerance_text(s: ShownRow) -> str:
    tolerance = s.record.tolerance
    return "" if tolerance is None else f", tolerance {tolerance:.1e}"
