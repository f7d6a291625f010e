"""``descent-bench fit PROBLEM``: one descent, printed as the problem's tutorial prints it."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from typing import Any

from descent_bench import backends
from descent_bench.backends import Backend
from descent_bench.cli import arguments as a
from descent_bench.cli.arguments import EXIT_OK, UsageError
from descent_bench.cli.options import add_problem_options, flag, problem_values
from descent_bench.cli.processes import add_device_options, join_processes, use_scheduler
from descent_bench.kernels import (
    PROBLEMS,
    Diverged,
    NonFiniteStart,
    Problem,
    capabilities,
    checkpoints_every,
    descend,
)
from descent_bench.machine.memory import shortfall
from descent_bench.output.fit_document import FitBackend, fit_document
from descent_bench.records.settings import DTYPES

MAX_PRINTED = 1_000_000  # progress lines; more would only fill the host's memory
LARGE_PROGRAM = 100  # coupled parameters from which a compiled loop is said to take a while


def add_parser(commands: a.Commands) -> None:
    fit = commands.add_parser("fit", help="run one descent and print it as the tutorials do")
    problems = fit.add_subparsers(
        dest="problem", required=True, metavar="{" + ",".join(PROBLEMS) + "}"
    )
    for name, problem in PROBLEMS.items():
        sub = problems.add_parser(name, help=problem.description)
        sub.add_argument(
            "--backend",
            default="numpy",
            help=f"one of {', '.join(backends.names())}, or xp:MODULE (an array-API namespace)",
        )
        sub.add_argument("--dtype", choices=DTYPES, default="float64", help="(default: float64)")
        sub.add_argument(
            "--iterations",
            type=a.positive_int,
            default=problem.default_iterations,
            help=f"descent steps (default: {problem.default_iterations}, the tutorial's)",
        )
        sub.add_argument(
            "--lr",
            type=a.learning_rate,
            default=problem.default_lr,
            help=f"learning rate (default: {problem.default_lr:g}, the tutorial's)",
        )
        sub.add_argument(
            "--seed",
            type=a.non_negative_int,
            default=0,
            help="seed of the random start, where the problem draws one (default: 0)",
        )
        sub.add_argument(
            "--print-every",
            type=a.non_negative_int,
            default=None,
            help="iterations between printed lines; 0 prints no progress (default: the "
            "tutorial's spacing, or a tenth of the run)",
        )
        sub.add_argument("--json", action="store_true", help="print one JSON object instead")
        sub.add_argument("--plot", metavar="FILE.png", help="save a picture (needs matplotlib)")
        add_device_options(sub, many=False)
        add_problem_options(sub, problem)
    fit.set_defaults(run=run)


def usable_backend(name: str, devices: int = 1) -> Backend:
    try:
        return backends.load(name).sharded(devices).load()
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    except backends.BackendUnavailable as exc:
        raise UsageError(f"backend {name!r} cannot run here: {exc}") from None


def problem_from_arguments(args: argparse.Namespace) -> tuple[Problem, Any]:
    """The problem and its host start, from the parsed options (``UsageError`` on bad ones,
    and on a size that would not fit in the free memory, before anything is allocated)."""
    kind = PROBLEMS[args.problem]
    try:
        problem = kind.from_options(problem_values(args, kind))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    too_big = shortfall(problem, args.dtype)
    if too_big:
        raise UsageError(f"{too_big} (check {', '.join(flag(o) for o in kind.options)})")
    try:
        return problem, problem.initial_params(args.seed, getattr(args, kind.start_option.name))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    if backends.known(args.backend):
        join_processes(args, [backends.get(args.backend)])
    use_scheduler(args)
    backend = usable_backend(args.backend, args.devices)
    a.check_plot_path(args.plot)
    problem, initial = problem_from_arguments(args)
    if backend.n_devices > 1 and not capabilities.splits_over_devices(problem):
        raise UsageError(
            f"--devices {backend.n_devices}: {problem.name} runs on one device (it does not "
            "say how its data splits over devices)"
        )
    every = args.print_every
    if every is None:
        every = capabilities.print_every(problem, args.iterations)
    if every and args.iterations // every > MAX_PRINTED:
        lines = args.iterations // every
        raise UsageError(
            f"--print-every {every} with --iterations {args.iterations} prints "
            f"{lines:,} lines; at most {MAX_PRINTED:,} (raise --print-every, or 0 for none)"
        )
    if backend.compiles and problem.coupled_params > LARGE_PROGRAM:
        sys.stderr.write(
            f"descent-bench: note: {backend.name} compiles the loop for "
            f"{problem.coupled_params} coupled parameters first; the program grows with them, "
            "and compiling it can take minutes\n"
        )
    shown = capabilities.progress_stops(problem, args.iterations, every)
    curve = curve_stops(args.iterations, shown)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # overflow: divergence is reported
            result = descend(
                problem,
                backend,
                dtype=args.dtype,
                iterations=args.iterations,
                lr=args.lr,
                initial=initial,
                checkpoints=set(shown) | set(curve),
                keep_params=capabilities.keeps_params(problem),
            )
    except Diverged as exc:
        hint = capabilities.divergence_hint(problem)
        advice = f"lower --lr ({hint})" if hint else "lower --lr"
        raise Diverged(exc.iteration, exc.loss, advice) from None
    except NonFiniteStart as exc:
        kind = PROBLEMS[args.problem]
        inputs = ", ".join(flag(o) for o in (*kind.options, kind.start_option))
        raise UsageError(f"{exc}; check {inputs} and --dtype") from None
    if backend.process_index() != 0:  # only the first process of several reports
        return EXIT_OK
    saved = []
    if args.plot:
        from descent_bench.output.files import save
        from descent_bench.output.plots import plot_fit

        title = f"{problem.name} on {backend.label} ({args.dtype})"
        saved.append(save(args.plot, lambda path: plot_fit(problem, result, path, title)))
    if args.json:
        ran_on = FitBackend(
            backend.name, str(backend.device), backend.n_devices, backend.process_count()
        )
        print(json.dumps(fit_document(problem.name, ran_on, args.dtype, args.lr, result)))
    else:
        losses, snapshots = dict(result.history), dict(result.snapshots)
        for t in shown:
            print(capabilities.progress_line(problem, t, losses[t], snapshots.get(t)))
        print(capabilities.summary(problem, result.params))
    return a.report_saved(saved)


def curve_stops(iterations: int, shown: list[int]) -> list[int]:
    """About 200 checkpoints for the loss curve, on the printed stops' grid (a divisor or a
    multiple of their spacing, at their offset), so that ``descend`` reaches all of them
    with calls of one chunk (a compiled loop compiles once per K)."""
    target = max(1, iterations // 200)
    if len(shown) < 2:
        return checkpoints_every(target, iterations)
    spacing = shown[1] - shown[0]
    if target >= spacing:
        every = spacing * (target // spacing)
    else:
        every = max(d for d in range(1, target + 1) if spacing % d == 0)
        every = every if 4 * every >= target else spacing  # a prime spacing: its own grid
    return checkpoints_every(every, iterations, offset=shown[0] % every)
