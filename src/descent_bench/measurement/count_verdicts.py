"""Two counted runs compared row by row: instruction counts, exactly.

A row's count under callgrind is deterministic up to the little that moves between runs
(measured here at most 1.3e-4 of the count, under load: docs/instruction-counts.md), so no
statistics are needed: the ratio new/old of the instructions of one K-call is "slower" above
1 + ``TOLERANCE``, "faster" below 1 / (1 + ``TOLERANCE``), and "same" between. Rows are
matched as ``verdicts.diff`` matches them (label, problem, size, dtype, devices, threads and
K); a matched row that either run could not count is listed apart, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from descent_bench.measurement.records import Record, key

TOLERANCE = 0.001  # relative: a count this close to the old one is the same


def is_counted(records: list[Record]) -> bool:
    """Whether a run counted instructions (some row has a count)."""
    return any(r.instructions is not None for r in records)


def verdict(ratio: float, tolerance: float = TOLERANCE) -> str:
    if ratio > 1 + tolerance:
        return "slower"
    if ratio < 1 / (1 + tolerance):
        return "faster"
    return "same"


@dataclass(frozen=True)
class CountChange:
    old: Record
    new: Record
    ratio: float  # new over old instructions per iteration (above 1: slower)
    verdict: str  # "slower", "faster" or "same"


@dataclass(frozen=True)
class CountDiff:
    changes: list[CountChange]
    uncounted: list[tuple[Record, str]]  # matched rows one run did not count, and why
    only_old: list[Record]
    only_new: list[Record]
    tolerance: float = TOLERANCE

    def slower_beyond(self, fraction: float) -> list[CountChange]:
        """Rows called slower whose count grew by more than ``fraction``."""
        return [c for c in self.changes if c.verdict == "slower" and c.ratio > 1 + fraction]


def _reason(old: Record, new: Record) -> str:
    for which, record in (("old", old), ("new", new)):
        if record.instructions is None:
            return f"not counted in the {which} run: {record.uncounted or 'no count'}"
    return ""


def diff_counts(old: list[Record], new: list[Record], tolerance: float = TOLERANCE) -> CountDiff:
    """Every row of ``new`` matched with ``old``'s, by its count."""
    old_by_key = {key(r): r for r in old}
    new_keys = {key(r) for r in new}
    changes, uncounted = [], []
    for record in new:
        before = old_by_key.get(key(record))
        if before is None:
            continue
        if before.instructions is None or record.instructions is None:
            uncounted.append((record, _reason(before, record)))
            continue
        ratio = record.instructions / before.instructions  # the same K: per iteration too
        changes.append(CountChange(before, record, ratio, verdict(ratio, tolerance)))
    return CountDiff(
        changes,
        uncounted,
        only_old=[r for r in old if key(r) not in new_keys],
        only_new=[r for r in new if key(r) not in old_by_key],
        tolerance=tolerance,
    )
