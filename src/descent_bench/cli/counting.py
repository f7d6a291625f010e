"""The command line's counted mode: ``compare --count instructions`` (each CPU row's K-call
counted under callgrind, beside its time) and ``diff`` of two counted runs (counts compared
exactly). The method is in docs/instruction-counts.md."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TYPE_CHECKING

from descent_bench.cli import arguments as a
from descent_bench.records.record import Record
from descent_bench.records.run import SuiteResult

if TYPE_CHECKING:
    from descent_bench.output.document import SavedRun

COUNTS = ("instructions",)  # what --count counts


def add_count_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--count",
        choices=COUNTS,
        help="also count each CPU row's instructions in one K-call under valgrind's "
        "callgrind, every thread, in a process of its own (slow: 5-40 s a row; "
        "docs/instruction-counts.md)",
    )


def check_count_option(args: argparse.Namespace) -> None:
    """Before any work: counting needs valgrind, and one host."""
    if args.count is None:
        return
    from descent_bench.instructions import counting

    if args.coordinator is not None or args.num_processes is not None:
        raise a.UsageError("--count runs on one host: drop --coordinator and --num-processes")
    reason = counting.unavailable_reason()
    if reason is not None:
        raise a.UsageError(f"--count {args.count}: {reason}")


def counted(args: argparse.Namespace, result: SuiteResult) -> SuiteResult:
    """``result`` with each row's count where ``--count`` asks for it (the rows that cannot
    be counted say why), and one line on stderr of what counting cost."""
    if args.count is None or not result.main_process:
        return result
    from rich.console import Console
    from rich.progress import Progress

    from descent_bench.instructions import counting

    with Progress(console=Console(stderr=True), transient=True) as progress:
        bar = progress.add_task("counting", total=len(result.records))

        def step(description: str) -> None:
            progress.update(bar, description=description, advance=1)

        records, seconds = counting.count_records(result.records, step)
    if seconds:
        total = sum(seconds.values())
        each = ", ".join(f"{name} {s:.0f} s" for name, s in seconds.items())
        a.notice(f"counted {len(seconds)} rows in {total:.0f} s under valgrind ({each})")
    return replace(result, records=records)


def print_counts(records: list[Record], markdown: bool = False) -> None:
    """The counts table after the time table, where the run counted."""
    from descent_bench.output.counts import run_lines
    from descent_bench.records.count_verdicts import is_counted

    if is_counted(records) or any(r.uncounted for r in records):
        print(f"\n{run_lines(records, markdown)}")


def counted_diff(
    args: argparse.Namespace, old: SavedRun, new: SavedRun, preface: list[str]
) -> int | None:
    """``diff`` of two counted runs, after ``preface`` (what differs between the runs);
    None where neither counted: the timed diff's turn. A counted run against a timed one is
    refused."""
    from descent_bench.output import counts
    from descent_bench.output.cells import cell_text
    from descent_bench.records.count_verdicts import MissingAllocator, diff_counts, is_counted

    old_counted, new_counted = is_counted(old.records), is_counted(new.records)
    if not old_counted and not new_counted:
        if args.exclude_allocator:
            raise a.UsageError(
                "--exclude-allocator compares counted runs, and neither file counted "
                "instructions (compare --count instructions)"
            )
        return None
    if old_counted != new_counted:
        counted_one, timed = (args.old, args.new) if old_counted else (args.new, args.old)
        raise a.UsageError(
            f"{cell_text(counted_one)!r} counted instructions and {cell_text(timed)!r} did "
            "not: compare two runs both made with --count instructions, or both without"
        )
    try:
        result = diff_counts(old.records, new.records, exclude_allocator=args.exclude_allocator)
    except MissingAllocator as exc:
        raise a.UsageError(f"--exclude-allocator: {exc}; count again, or drop it") from None
    if not result.changes:
        raise a.UsageError(
            f"no counted row of {cell_text(args.new)!r} matches one of {cell_text(args.old)!r} "
            "(rows match on backend, problem, size, dtype, devices, K and threads)"
        )
    summary = counts.diff_summary(result)
    if not args.markdown:
        from descent_bench.output.report import wrap

        summary = "\n".join(wrap(summary))
    lines = [*preface, counts.diff_lines(result, args.markdown), "", summary]
    if result.uncounted:
        lines += ["Not compared:", *(f"  {line}" for line in counts.not_counted(result.uncounted))]
    print("\n".join(lines))
    return a.slower_exit(args.fail_slower, result.slower_beyond)
