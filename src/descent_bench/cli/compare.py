"""``descent-bench compare`` (every backend and baseline side by side, checked for agreement)
and ``descent-bench show`` (a saved comparison again)."""

from __future__ import annotations

import argparse
import os
import sys

from rich.console import Console
from rich.progress import Progress, TaskID

from descent_bench import backends
from descent_bench.cli import arguments as a
from descent_bench.cli import counting
from descent_bench.cli.processes import add_device_options, join_processes
from descent_bench.kernels import PROBLEMS
from descent_bench.measurement import machine, planning, suite
from descent_bench.measurement.records import Record
from descent_bench.measurement.suite import Settings, SettingsError


def add_parser(commands: a.Commands) -> None:
    p = commands.add_parser("compare", help="measure every backend and baseline side by side")
    p.add_argument(
        "--backends",
        type=a.name_list(backends.names()),
        help="comma-separated (default: every usable one for comparison; not strict or torch)",
    )
    p.add_argument("--problems", type=a.name_list(list(PROBLEMS)), default=list(PROBLEMS))
    labels = ", ".join(f"{name}: {p.size_label}" for name, p in PROBLEMS.items())
    p.add_argument(
        "--sizes", type=a.positive_int_list, help=f"{labels} (default: each problem's own)"
    )
    p.add_argument("--dtype", choices=suite.DTYPES, default="float64")
    p.add_argument(
        "--iterations",
        type=a.positive_int,
        help="K per timed call (default: 2000, fewer at large sizes)",
    )
    defaults = Settings()
    p.add_argument(
        "--threads",
        type=a.positive_int,
        default=defaults.threads,
        help="intra-op threads of every backend, held by CPU affinity and library limits "
        f"(default: {defaults.threads})",
    )
    p.add_argument(
        "--processes",
        type=a.positive_int,
        default=defaults.processes,
        help="worker processes the rounds are spread over, one after the other; 1: in this "
        f"process (default: {defaults.processes})",
    )
    p.add_argument(
        "--min-rounds",
        type=a.at_least(planning.MIN_ROUNDS),
        default=defaults.min_rounds,
        help="rounds of every row, over all processes "
        f"({planning.MIN_ROUNDS} to {planning.MAX_ROUNDS}; default: {defaults.min_rounds})",
    )
    p.add_argument(
        "--noise-target",
        type=a.fraction,
        default=defaults.noise_target,
        help="rounds go on while a row's IQR / median is above this "
        f"(default: {defaults.noise_target})",
    )
    p.add_argument(
        "--budget",
        type=a.seconds,
        default=defaults.budget_seconds,
        help="seconds of rounds for noisy rows: the first process runs rounds while a row "
        "is noisy, within its share (BUDGET / processes), and the others repeat its visits "
        f"(default: {defaults.budget_seconds:g})",
    )
    p.add_argument("--json", metavar="FILE", help="write the results (atomically)")
    p.add_argument("--plot", metavar="FILE.png", help="iterations/s against size, log-log")
    add_device_options(p, many=True)
    counting.add_option(p)
    p.set_defaults(run=run)


def add_show_parser(commands: a.Commands) -> None:
    p = commands.add_parser("show", help="print a saved compare run (--json FILE) again")
    p.add_argument("file", help="a JSON file written by compare --json")
    p.add_argument("--markdown", action="store_true", help="a Markdown table instead")
    p.set_defaults(run=show)


def settings(args: argparse.Namespace) -> Settings:
    return Settings(
        backends=None if args.backends is None else tuple(args.backends),
        problems=tuple(args.problems),
        sizes=None if args.sizes is None else tuple(args.sizes),
        dtype=args.dtype,
        iterations=args.iterations,
        device_counts=tuple(args.devices),
        threads=args.threads,
        processes=args.processes,
        min_rounds=args.min_rounds,
        noise_target=args.noise_target,
        budget_seconds=args.budget,
    )


class ProgressBar:
    """The suite's observer: a transient rich progress bar on stderr."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.bar: TaskID | None = None

    def note(self, message: str) -> None:
        self.progress.console.log(message)

    def begin(self, total: int) -> None:
        self.bar = self.progress.add_task("compare", total=total)

    def row(self, description: str) -> None:
        if self.bar is not None:
            self.progress.update(self.bar, description=description)

    def done_row(self) -> None:
        if self.bar is not None:
            self.progress.advance(self.bar)


class StdoutConsole(Console):
    """Rich on stdout; a reader that went away (``| head``) ends the command as a closed
    pipe does any Unix tool's, through ``main``, not with rich's own exit code 1."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


def stdout_console() -> Console:
    """A terminal's own width, or ``$COLUMNS``; into a file or pipe, 220 columns."""
    columns = os.environ.get("COLUMNS", "")
    wide = sys.stdout.isatty() or (columns.isascii() and columns.isdigit())
    return StdoutConsole(width=None if wide else 220)


def print_records(records: list[Record], title: str) -> None:
    """The table where it fits the terminal, else one block per row; plain text for very
    many rows, which rich lays out slowly."""
    from descent_bench.output.cells import cell_text, shown_rows
    from descent_bench.output.table import PLAIN_ABOVE, blocks, fits, plain_table, table

    console = stdout_console()
    rows = shown_rows(records)
    if len(records) > PLAIN_ABOVE:
        print(f"{cell_text(title)}\n\n{plain_table(rows)}")
    elif fits(rows, console.width):
        console.print(table(rows, title))
    else:
        print(f"{cell_text(title)}\n\n{blocks(rows)}")


def run(args: argparse.Namespace) -> int:
    from descent_bench.output.document import document
    from descent_bench.output.files import save, write_json

    if any(v is not None for v in (args.coordinator, args.num_processes, args.process_id)):
        names = args.backends or backends.names()
        join_processes(args, [backends.get(n) for n in names])
    try:
        plan = suite.plan(settings(args))
    except SettingsError as exc:
        raise a.UsageError(f"--{exc.setting}: {exc}") from None
    a.check_output_path("json", args.json, (".json",))
    a.check_plot_path(args.plot)
    counting.check(args)
    try:
        with Progress(console=Console(stderr=True), transient=True) as progress:
            result = suite.run(plan, ProgressBar(progress))
    except suite.WorkerFailed as exc:
        raise a.RunFailed(str(exc)) from None
    result = counting.counted(args, result)
    if not result.main_process:
        return a.EXIT_OK
    for warning in result.machine_state.warnings if result.machine_state else ():
        sys.stderr.write(f"descent-bench: warning: {warning}\n")
    title = f"descent-bench compare ({args.dtype}) on {machine.cpu_model()}"
    # Files first: a terminal or pipe that fails while the table prints loses nothing.
    saved = []
    if args.json:
        # The run's backends are loaded already; the others' versions come from metadata.
        used = [backends.status(name) for name in dict.fromkeys(b.name for b in plan.backends)]
        doc = document(result, machine.describe(used, backends.versions()))
        saved.append(save(args.json, lambda path: write_json(path, doc)))
    if args.plot:
        from descent_bench.output.plots import plot_compare

        saved.append(save(args.plot, lambda path: plot_compare(result.records, path, title)))
    print_records(result.records, title)
    counting.print_counts(result.records)
    not_written = a.report_saved(saved)
    disagreeing = [r for r in result.records if not r.agrees]
    if disagreeing:  # the answer itself is wrong: that outranks a file written elsewhere
        listed = ", ".join(f"{r.backend} {r.problem} {r.size}" for r in disagreeing)
        sys.stderr.write(f"descent-bench: farther from the reference than allowed: {listed}\n")
        return a.EXIT_DISAGREE
    return not_written


def show(args: argparse.Namespace) -> int:
    from descent_bench.output.document import NotAComparison, read
    from descent_bench.output.markdown import markdown

    try:
        saved = read(args.file)
    except OSError as exc:
        raise a.UsageError(f"cannot read {args.file!r}: {exc.strerror or exc}") from None
    except NotAComparison as exc:
        raise a.UsageError(f"{args.file!r}: {exc}") from None
    if args.markdown:
        print(markdown(saved.records))
        counting.print_counts(saved.records, markdown=True)
        return a.EXIT_OK
    gpu = saved.machine.get("gpu") or ""
    gpus = gpu if isinstance(gpu, str) else ", ".join(map(str, gpu))
    title = f"{args.file}: {saved.machine.get('cpu')} {gpus}".rstrip()
    print_records(saved.records, title)
    counting.print_counts(saved.records)
    return a.EXIT_OK
