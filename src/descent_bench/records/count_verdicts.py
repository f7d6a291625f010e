"""Two counted runs compared row by row: instruction counts, exactly.

A row's count under callgrind is deterministic up to the little that moves between runs
(measured here, under load: none on one thread, at most 5.9e-4 for jax's compiled loops,
up to 1% for its per-step rows: docs/instruction-counts.md), so no
statistics are needed: the ratio new/old of the instructions of one K-call is "slower" above
1 + ``TOLERANCE``, "faster" below 1 / (1 + ``TOLERANCE``), and "same" between. Rows are
matched as ``verdicts.diff`` matches them (label, problem, size, dtype, devices, threads and
K); a matched row that either run could not count is listed apart, with the reason.

With ``exclude_allocator`` the instructions compared are those outside the C allocator
(``Record.allocator_instructions`` taken out): where two threads allocate, what a malloc or
a free costs depends on a heap whose history differs from run to run (a per-step jax row,
quiet: 0.2-0.3% of its count, while the rest repeated to 1.4e-5). A file written before the
allocator's share was recorded cannot be compared so (``MissingAllocator``).
"""

from __future__ import annotations

from dataclasses import dataclass

from descent_bench.records.record import Record, key

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


class MissingAllocator(ValueError):
    """A row to compare without the allocator has no allocator count; the message names it."""


def compared_instructions(record: Record, exclude_allocator: bool) -> int | None:
    """The instructions of ``record``'s K-call that a diff compares: all of them, or those
    outside the allocator."""
    if record.instructions is None or not exclude_allocator:
        return record.instructions
    if record.allocator_instructions is None:
        raise MissingAllocator(
            f"{record.backend} {record.problem} {record.size:,} has no allocator count "
            "(written before they were recorded)"
        )
    return record.instructions - record.allocator_instructions


@dataclass(frozen=True)
class CountChange:
    old: Record
    new: Record
    old_instructions: int  # of one K-call, as compared (the allocator's taken out or not)
    new_instructions: int
    ratio: float  # new over old instructions per iteration (above 1: slower)
    verdict: str  # "slower", "faster" or "same"


@dataclass(frozen=True)
class CountDiff:
    changes: list[CountChange]
    uncounted: list[tuple[Record, str]]  # matched rows one run did not count, and why
    only_old: list[Record]
    only_new: list[Record]
    tolerance: float = TOLERANCE
    exclude_allocator: bool = False

    def slower_beyond(self, fraction: float) -> list[CountChange]:
        """Rows called slower whose count grew by more than ``fraction``."""
        return [c for c in self.changes if c.verdict == "slower" and c.ratio > 1 + fraction]


def _reason(old: Record, new: Record) -> str:
    for which, record in (("old", old), ("new", new)):
        if record.instructions is None:
            return f"not counted in the {which} run: {record.uncounted or 'no count'}"
    return ""


def diff_counts(
    old: list[Record],
    new: list[Record],
    tolerance: float = TOLERANCE,
    exclude_allocator: bool = False,
) -> CountDiff:
    """Every row of ``new`` matched with ``old``'s, by its count (outside the allocator
    where ``exclude_allocator``; ``MissingAllocator`` where a row has no allocator count)."""
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
        was = compared_instructions(before, exclude_allocator) or 0
        now = compared_instructions(record, exclude_allocator) or 0
        ratio = now / was if was > 0 else float("inf")  # the same K: per iteration too
        changes.append(CountChange(before, record, was, now, ratio, verdict(ratio, tolerance)))
    return CountDiff(
        changes,
        uncounted,
        only_old=[r for r in old if key(r) not in new_keys],
        only_new=[r for r in new if key(r) not in old_by_key],
        tolerance=tolerance,
        exclude_allocator=exclude_allocator,
    )
