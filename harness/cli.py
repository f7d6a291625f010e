"""The ``descent-bench`` command: ``info``, ``fit``, ``compare`` and ``show``."""

from __future__ import annotations

import json
import os
import sys
import warnings
from typing import Any

import backends
from kernels import LOSSES, Diverged, Paraboloid, SineFit, checkpoints_every, descend

from . import arguments as a
from .arguments import EXIT_DIVERGED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError
from .devices import add_device_options, is_main_process, join_distributed, process_count

DTYPES = ("float64", "float32")
SINE_LR_HINT = (
    "the sse loss is stable only for lr below about 3.5e-6 * 2000/points; or use --loss mse"
)


def build_parser() -> a.Parser:
    parser = a.Parser(prog="descent-bench", description=__doc__)
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="{info,fit,compare,show}"
    )

    info = commands.add_parser("info", help="backends, versions, devices and whether usable")
    info.add_argument("--json", action="store_true", help="print one JSON object")

    fit = commands.add_parser("fit", help="run one descent and print it as the tutorials do")
    problems = fit.add_subparsers(dest="problem", required=True, metavar="{sine,paraboloid}")
    sine = problems.add_parser("sine", help="fit a polynomial to sin(x)")
    parab = problems.add_parser("paraboloid", help="minimise the sum of squares")
    for sub, problem in ((sine, SineFit), (parab, Paraboloid)):
        sub.add_argument("--backend", default="numpy", help=f"one of {', '.join(backends.names())}")
        sub.add_argument("--dtype", choices=DTYPES, default="float64")
        sub.add_argument("--iterations", type=a.positive_int, default=problem.default_iterations)
        sub.add_argument("--lr", type=a.learning_rate, default=problem.default_lr)
        sub.add_argument("--seed", type=a.non_negative_int, default=0)
        sub.add_argument(
            "--print-every",
            type=a.non_negative_int,
            default=problem.default_print_every,
            help="0 prints no progress",
        )
        sub.add_argument("--json", action="store_true", help="print one JSON object instead")
        sub.add_argument("--plot", metavar="FILE.png", help="save a picture (needs matplotlib)")
        add_device_options(sub, many=False)
    sine.add_argument("--points", type=a.positive_int, default=2000)
    sine.add_argument("--degree", type=a.non_negative_int, default=3)
    sine.add_argument("--domain", type=a.domain, default="-pi,pi", metavar="LO,HI")
    sine.add_argument("--loss", choices=LOSSES, default="sse")
    sine.add_argument(
        "--init",
        type=a.real_list,
        metavar="C0,C1,...",
        help="initial coefficients, constant term first",
    )
    parab.add_argument("--dims", type=a.positive_int, default=2)
    parab.add_argument("--walkers", type=a.positive_int, default=1)
    parab.add_argument(
        "--start",
        type=a.real_list,
        metavar="V1,V2,...",
        help="start of every walker (default: random, away from the minimum)",
    )
    from . import compare

    compare.add_parser(commands)
    compare.add_show_parser(commands)
    return parser


def usable_backend(name: str, devices: int = 1) -> backends.Backend:
    try:
        return backends.load(name).sharded(devices).load()
    except KeyError:
        known = ", ".join(backends.names())
        raise UsageError(f"unknown backend {name!r} (choose from {known})") from None
    except backends.BackendUnavailable as exc:
        raise UsageError(f"backend {name!r} cannot run here: {exc}") from None


def run_info(args: Any) -> int:
    statuses = backends.available()
    if args.json:
        print(json.dumps({"backends": [s.__dict__ for s in statuses]}, indent=1))
        return EXIT_OK
    for s in statuses:
        state = "usable" if s.usable else f"unusable: {s.reason}"
        print(f"{s.name:7} {s.version or '-':12} {', '.join(s.devices) or '-':30} {state}")
    return EXIT_OK


def make_problem(args: Any) -> tuple[Any, Any]:
    """The problem and its host start, from the parsed options (ValueError on bad values)."""
    if args.problem == "sine":
        problem = SineFit(args.points, args.degree, tuple(args.domain), args.loss)
        return problem, problem.initial_params(args.seed, args.init)
    problem = Paraboloid(args.dims, args.walkers)
    return problem, problem.initial_params(args.seed, args.start)


def run_fit(args: Any) -> int:
    join_distributed(args)
    backend = usable_backend(args.backend, args.devices)
    a.check_plot_path(args.plot)
    try:
        problem, initial = make_problem(args)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    # Iteration t is the iterate after t updates. The sine tutorial prints the loss at
    # t = 99, 199, ...; the paraboloid article prints the point after epoch i, i.e. t = i + 1.
    every, sine = args.print_every, args.problem == "sine"
    shown = checkpoints_every(every, args.iterations, every - 1 if sine else 1) if every else []
    stops = set(shown) | set(checkpoints_every(max(1, args.iterations // 200), args.iterations))
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
                checkpoints=stops,
                keep_params=not sine,
            )
    except Diverged as exc:
        hint = SINE_LR_HINT if sine else "lr must be below 1 for the paraboloid"
        raise Diverged(exc.iteration, exc.loss, f"lower --lr ({hint})") from None
    if args.plot and is_main_process():
        from . import plots

        title = f"{problem.name} on {backend.label} ({args.dtype})"
        draw = plots.plot_sine_fit if sine else plots.plot_paraboloid
        draw(problem, result, args.plot, title)
    if not is_main_process():
        return EXIT_OK
    if args.json:
        print(json.dumps(fit_record(args, problem, backend, result)))
    elif sine:
        for t, loss in result.history:
            if t in shown:
                print(t, loss)
        print(f"Result: {problem.describe(result.params)}")
    else:
        snapshots = dict(result.snapshots)
        losses = dict(result.history)
        for t in shown:
            print(f"Epoch {t - 1}: {walker_text(snapshots[t], losses[t])}")
        best = result.params[int((result.params**2).sum(axis=1).argmin())]
        print(f"Best guess for a minimum: {best.tolist()}")
    return EXIT_OK


def walker_text(params: Any, loss: float) -> str:
    return str(params[0].tolist()) if len(params) == 1 else f"mean f over walkers {loss}"


def fit_record(args: Any, problem: Any, backend: Any, result: Any) -> dict[str, Any]:
    params = result.params.tolist()
    return {
        "problem": problem.name,
        "backend": backend.name,
        "device": str(backend.device),
        "dtype": args.dtype,
        "iterations": result.iterations,
        "lr": args.lr,
        "params": params,
        "loss": result.loss,
        "loss_history": [[t, loss] for t, loss in result.history],
        "seconds": result.seconds,
        "devices": backend.n_devices,
        "processes": process_count(backend),
    }


VALUE_OPTIONS = {"--domain", "--init", "--start", "--lr"}


def main(argv: list[str] | None = None) -> int:
    argv = a.glue_negative_values(list(sys.argv[1:] if argv is None else argv), VALUE_OPTIONS)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "info":
            return run_info(args)
        if args.command == "fit":
            return run_fit(args)
        return args.run(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    except UsageError as exc:
        sys.stderr.write(f"descent-bench: error: {exc}\n")
        return EXIT_USAGE
    except Diverged as exc:
        sys.stderr.write(f"descent-bench: {exc}\n")
        return EXIT_DIVERGED
    except KeyboardInterrupt:
        sys.stderr.write("descent-bench: interrupted; no output file was written\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stdout = open(os.devnull, "w")
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
