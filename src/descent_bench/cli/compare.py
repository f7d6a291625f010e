"""``descent-bench compare`` (every backend and baseline side by side, checked for agreement)
and ``descent-bench show`` (a saved comparison again)."""

from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from descent_bench import backends
from descent_bench.cli import arguments as a
from descent_bench.cli import counting
from descent_bench.cli.processes import add_device_options, join_processes, use_scheduler
from descent_bench.kernels import PROBLEMS
from descent_bench.machine.describe import cpu_model
from descent_bench.output.files import Saved
from descent_bench.records.settings import (
    DTYPES,
    MAX_ROUNDS,
    MIN_ROUNDS,
    QUICK_BUDGET_SECONDS,
    THOROUGH_BUDGET_SECONDS,
    Settings,
    SettingsError,
)
from descent_bench.timing import suite


def add_parser(commands: a.Commands) -> None:
    p = commands.add_parser(
        "compare",
        help="time every backend side by side, checked against the reference",
        description="Time the descent kernel on every usable backend side by side, at two "
        "sizes of each problem (one in cache, one with at least 4x the last-level cache of "
        "data, from memory), check each result against the reference, place it under its "
        "roof, and print one table per problem and a summary: the fastest backend at each "
        "size. About a minute on two cores; --thorough measures every size and longer.",
    )
    p.add_argument(
        "--backends",
        type=a.backend_list,
        help="comma-separated; only these rows, no baselines unless --baselines "
        "(default: every usable one meant for comparison, and the baselines; torch and "
        "strict only when named); xp:MODULE runs any array-API namespace, e.g. "
        "xp:array_api_strict",
    )
    p.add_argument(
        "--baselines",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also time the rows the backends are held against: the tutorial's loop, the "
        "C loop, standard-only variants and naive loops (default: with every backend yes, "
        "with --backends no)",
    )
    p.add_argument(
        "--problems",
        type=a.name_list(list(PROBLEMS)),
        default=list(PROBLEMS),
        help=f"comma-separated (default: all: {', '.join(PROBLEMS)})",
    )
    labels = ", ".join(f"{name} in {p.size_label}" for name, p in PROBLEMS.items())
    p.add_argument(
        "--sizes",
        type=a.positive_int_list,
        help=f"comma-separated, for every problem ({labels}; default: each problem's "
        "smallest and the first with 4x the last-level cache of data; every listed size "
        "with --thorough)",
    )
    p.add_argument(
        "--thorough",
        action="store_true",
        help="every size each problem lists and a longer budget "
        f"({THOROUGH_BUDGET_SECONDS:g} s); the tutorial and naive loops at every size",
    )
    p.add_argument("--dtype", choices=DTYPES, default="float64", help="(default: float64)")
    p.add_argument(
        "--iterations",
        type=a.positive_int,
        help="K, the iterations of one timed call (default: 2000, fewer at large sizes)",
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
        type=a.at_least(MIN_ROUNDS),
        default=defaults.min_rounds,
        help="rounds of every row, over all processes "
        f"({MIN_ROUNDS} to {MAX_ROUNDS}; default: {defaults.min_rounds})",
    )
    p.add_argument(
        "--noise-target",
        type=a.fraction,
        default=defaults.noise_target,
        help="rounds go on while two rows next in speed cannot be ranked (their 95%% "
        "intervals overlap) and one is wider than this fraction of its mean either side "
        f"(default: {defaults.noise_target})",
    )
    p.add_argument(
        "--budget",
        type=a.seconds,
        default=None,
        help="seconds of rounds beyond the minimum, shared by the processes, while rows are "
        f"not ranked (default: {QUICK_BUDGET_SECONDS:g}, or {THOROUGH_BUDGET_SECONDS:g} "
        "with --thorough)",
    )
    p.add_argument("--json", metavar="FILE", help="write every row and call (atomically)")
    p.add_argument("--plot", metavar="FILE.png", help="iterations/s against size, log-log")
    add_device_options(p, many=True)
    counting.add_count_option(p)
    p.set_defaults(run=run)


def add_show_parser(commands: a.Commands) -> None:
    p = commands.add_parser(
        "show",
        help="print a saved compare run again",
        description="Print a run saved by compare --json FILE: the tables and the summary, "
        "or every column as Markdown.",
    )
    p.add_argument("file", help="a JSON file written by compare --json")
    p.add_argument(
        "--markdown",
        action="store_true",
        help="the summary and a Markdown table with every column, for a PR or a page",
    )
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
        budget_seconds=(
            args.budget
            if args.budget is not None
            else THOROUGH_BUDGET_SECONDS
            if args.thorough
            else QUICK_BUDGET_SECONDS
        ),
        thorough=args.thorough,
        baselines=args.baselines,
    )


class ProgressLine:
    """The suite's observer: one live line on stderr (a spinner, the time so far, what the
    worker is doing); notes printed above it, each a line."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("starting", total=None)

    def note(self, message: str) -> None:
        self.progress.console.print(f"descent-bench: {message}", highlight=False)

    def begin(self, total: int) -> None:
        pass

    def row(self, description: str) -> None:
        self.progress.update(self.task, description=description)

    def done_row(self) -> None:
        pass


def progress_display() -> Progress:
    """A transient line on stderr; nothing where stderr is not a terminal."""
    console = Console(stderr=True, highlight=False)
    return Progress(
        SpinnerColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def closing_lines(saved: list[Saved], args: argparse.Namespace) -> list[str]:
    """The files written and how to see more."""
    written = [s.path for s in saved if s.path and not s.failure]
    lines = [""]
    if written:
        lines.append(f"Wrote {', '.join(written)}.")
    more = []
    json_file = next((s.path for s in saved if s.path and s.path.endswith(".json")), None)
    if json_file:
        more.append(f"descent-bench show {json_file} --markdown (every column)")
    else:
        more.append("--json FILE (every row and call), --plot FILE.png")
    if not args.thorough and args.sizes is None:
        more.append("--thorough (every size)")
    lines.append(f"More: {'; '.join(more)}.")
    return lines


def run(args: argparse.Namespace) -> int:
    from descent_bench.output.document import document
    from descent_bench.output.files import save, write_json
    from descent_bench.output.report import output_width, screen

    asked = settings(args)
    try:
        suite.check(asked)  # what needs no library, once, before the paths
        a.check_output_path("json", args.json, (".json",))
        a.check_plot_path(args.plot)
        counting.check_count_option(args)
        use_scheduler(args)
        with progress_display() as progress:
            observer = ProgressLine(progress)
            if any(v is not None for v in (args.coordinator, args.num_processes, args.process_id)):
                names = args.backends or backends.names()
                join_processes(args, [backends.get(n) for n in names])
                result = suite.run(suite.plan(asked), observer)  # the hosts measure together
            else:  # the first worker plans; this process loads no backend
                result = suite.run_settings(asked, observer)
    except SettingsError as exc:
        raise a.UsageError(f"--{exc.setting}: {exc}") from None
    except suite.WorkerFailed as exc:
        raise a.RunFailed(str(exc)) from None
    result = counting.counted(args, result)
    if not result.main_process:
        return a.EXIT_OK
    for warning in result.machine_state.warnings if result.machine_state else ():
        a.notice(f"warning: {warning}")
    title = f"descent-bench compare on {cpu_model()}"
    # Files first: a terminal or pipe that fails while the table prints loses nothing.
    saved = []
    if args.json:
        doc = document(result, result.machine or {})
        saved.append(save(args.json, lambda path: write_json(path, doc)))
    if args.plot:
        from descent_bench.output.plots import plot_compare

        saved.append(save(args.plot, lambda path: plot_compare(result.records, path, title)))
    lines = screen(
        result.records, result.ceilings, title, output_width(), closing_lines(saved, args)
    )
    print("\n".join(lines))
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
    from descent_bench.output.markdown import comparison
    from descent_bench.output.report import output_width, screen

    try:
        saved = read(args.file)
    except OSError as exc:
        raise a.UsageError(f"cannot read {args.file!r}: {exc.strerror or exc}") from None
    except NotAComparison as exc:
        raise a.UsageError(f"{args.file!r}: {exc}") from None
    if args.markdown:
        print(comparison(saved.records, saved.ceilings))
        counting.print_counts(saved.records, markdown=True)
        return a.EXIT_OK
    gpu = saved.machine.get("gpu") or ""
    gpus = gpu if isinstance(gpu, str) else ", ".join(map(str, gpu))
    title = f"{args.file}: {saved.machine.get('cpu')} {gpus}".rstrip()
    print("\n".join(screen(saved.records, saved.ceilings, title, output_width())))
    counting.print_counts(saved.records)
    return a.EXIT_OK
