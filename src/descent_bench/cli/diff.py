"""``descent-bench diff OLD.json NEW.json``: did a change make rows slower or faster?

Rows are matched and judged by ``measurement.verdicts`` (the method is in the README);
``--fail-slower PCT`` exits 1 when some row is slower by more than PCT percent with 95%
confidence after correcting for the number of rows, for gating a CI job. Two runs made with
``compare --count instructions`` are compared by their counts instead (``cli.counting``).
"""

from __future__ import annotations

import argparse
import math

from descent_bench.cli import arguments as a
from descent_bench.cli import counting


def add_parser(commands: a.Commands) -> None:
    p = commands.add_parser("diff", help="compare two saved compare runs row by row")
    p.add_argument("old", help="a JSON file written by compare --json (the baseline)")
    p.add_argument("new", help="a JSON file written by compare --json (the change)")
    p.add_argument("--markdown", action="store_true", help="a Markdown table (for a PR)")
    p.add_argument(
        "--fail-slower",
        metavar="PCT",
        type=percent,
        help="exit 1 when some row is slower than old by more than PCT percent, with 95%% "
        "confidence after correcting for the number of rows",
    )
    p.add_argument(
        "--exclude-allocator",
        action="store_true",
        help="for two runs made with --count instructions: compare the instructions outside "
        "malloc, free and their kin, whose cost depends on the heap's history "
        "(docs/instruction-counts.md)",
    )
    p.set_defaults(run=run)


def percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 10_000:
        raise argparse.ArgumentTypeError(f"must be a percentage from 0 to 10000, got {text!r}")
    return value


def _read(path: str) -> object:
    from descent_bench.output.document import NotAComparison, read

    try:
        return read(path)
    except OSError as exc:
        raise a.UsageError(f"cannot read {path!r}: {exc.strerror or exc}") from None
    except NotAComparison as exc:
        raise a.UsageError(f"{path!r}: {exc}") from None


def run(args: argparse.Namespace) -> int:
    from descent_bench.output import diff_table
    from descent_bench.output.cells import cell_text
    from descent_bench.output.document import SavedRun
    from descent_bench.output.report import output_width, wrap
    from descent_bench.records.count_verdicts import is_counted
    from descent_bench.records.verdicts import diff

    old, new = _read(args.old), _read(args.new)
    assert isinstance(old, SavedRun) and isinstance(new, SavedRun)
    result = diff(old.records, new.records)
    unmatched = (len(result.only_old), len(result.only_new))
    asked = diff_table.settings_differences(old.settings, new.settings, unmatched)
    differences = diff_table.machine_differences(old.machine, new.machine)
    lines = []
    width = output_width()

    def listed(heading: str, items: list[str]) -> list[str]:
        if args.markdown:  # a Markdown list keeps one line per item
            return [heading, *(f"- {line}" for line in items)]
        wrapped = wrap(heading, width, rest="")
        for line in items:
            wrapped += wrap(line, width, first="  ", rest="    ")
        return wrapped

    for heading, items in (
        ("The two runs were asked for different things (rows matched where they can be):", asked),
        ("The two runs differ in machine or libraries:", differences),
        (
            "Warnings recorded with the runs (they concern times, not counts):"
            if is_counted(old.records) and is_counted(new.records)
            else "Warnings recorded with the runs (a verdict may reflect the machine):",
            diff_table.run_warnings(old.machine, new.machine),
        ),
    ):
        if items:
            lines.extend([*listed(heading, items), ""])
    counted = counting.counted_diff(args, old, new, lines)  # two counted runs: by their counts
    if counted is not None:
        return counted
    if not result.changes:
        print("\n".join(lines).rstrip())  # what differs says why nothing matches
        raise a.UsageError(
            f"no row of {cell_text(args.new)!r} matches one of {cell_text(args.old)!r} "
            "(rows match on backend, problem, size, dtype, devices, K and threads)"
        )
    if args.markdown:
        lines += diff_table.markdown_lines(result)
    else:
        lines += diff_table.lines(result, width)
    lines.append("")
    summary = diff_table.summary_line(result)
    lines += [summary] if args.markdown else wrap(summary, width, rest="  ")
    if any(not c.old.samples or not c.new.samples for c in result.changes):
        lines.append(
            "Rows without calls show their median µs/iter, the only figure a schema-1 file "
            "keeps, and are uncertain."
        )
    print("\n".join(lines))
    return a.slower_exit(args.fail_slower, result.slower_beyond)
