"""``descent-bench compare``: every backend and baseline, side by side, checked for agreement."""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np

import backends

from . import arguments as a
from .agreement import agrees, max_rel_diff
from .baselines import step_loop, tutorial_loop
from .devices import add_device_options, is_main_process, join_distributed, process_count
from .measure import Contender, measure, stream_gbytes_per_second
from .report import Record
from .workloads import SEED, default_iterations, learning_rate, make_problem, reference_params

DEFAULT_SIZES = {
    "sine": [2000, 20_000, 200_000, 2_000_000, 10_000_000],
    "paraboloid": [1, 1000, 100_000, 1_000_000],
}
CEILING_BYTES = {"cpu": 256 * 2**20, "gpu": 2 * 2**30}
# Not in the default set: the conformance backend proves correctness, not speed.
NOT_BY_DEFAULT = {"strict"}


def add_parser(commands: Any) -> None:
    p = commands.add_parser("compare", help="measure every backend and baseline side by side")
    p.add_argument(
        "--backends",
        type=a.name_list(backends.names()),
        help="comma-separated (default: every usable one but strict)",
    )
    p.add_argument(
        "--problems", type=a.name_list(["sine", "paraboloid"]), default=["sine", "paraboloid"]
    )
    p.add_argument(
        "--sizes",
        type=a.positive_int_list,
        help="sine points / paraboloid walkers (default: tutorial size up to 1e7)",
    )
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument(
        "--iterations",
        type=a.positive_int,
        help="K per timed call (default: 2000, fewer at large sizes)",
    )
    p.add_argument("--repeat", type=a.positive_int, default=5)
    p.add_argument("--json", metavar="FILE", help="write the results (atomically)")
    p.add_argument("--plot", metavar="FILE.png", help="iterations/s against size, log-log")
    add_device_options(p, many=True)
    p.set_defaults(run=run)


def add_show_parser(commands: Any) -> None:
    p = commands.add_parser("show", help="print a saved compare run (--json FILE) again")
    p.add_argument("file", help="a JSON file written by compare --json")
    p.add_argument("--markdown", action="store_true", help="a Markdown table instead")
    p.set_defaults(run=show)


def show(args: Any) -> int:
    import json

    from rich.console import Console

    from . import report

    try:
        with open(args.file) as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as exc:
        raise a.UsageError(f"cannot read {args.file!r}: {exc}") from None
    if not isinstance(doc, dict) or doc.get("schema") != report.SCHEMA:
        raise a.UsageError(f"{args.file!r} is not a compare result (schema {report.SCHEMA})")
    records = doc["records"]
    if args.markdown:
        print(report.markdown(records))
        return a.EXIT_OK
    fields = set(Record.__dataclass_fields__)
    rows = [Record(**{k: v for k, v in r.items() if k in fields}) for r in records]
    title = f"{args.file}: {doc['machine'].get('cpu')} {doc['machine'].get('gpu') or ''}"
    Console(width=None if sys.stdout.isatty() else 220).print(report.table(rows, title))
    return a.EXIT_OK


def contenders(names: list[str], devices: tuple[int, ...] = (1,)) -> list[Contender]:
    """The tutorial baseline, then each backend, its naive loop, and (jax) each device count."""
    rows = [Contender("tutorial", backends.load("numpy"), tutorial_loop, True, "elementwise")]
    for name in names:
        backend = backends.load(name)
        for count in devices if name == "jax" else (1,):
            spread = backend.sharded(count).load()
            rows.append(Contender(spread.label, spread, lambda p, b=spread: b.compile_loop(p.step)))
        if backend.naive_label:
            rows.append(
                Contender(
                    backend.naive_label,
                    backend,
                    lambda p, b=backend: step_loop(b, p),
                    baseline=True,
                )
            )
    return rows


def check(args: Any) -> tuple[list[str], dict[str, list[int]]]:
    if args.backends is None:
        names = [s.name for s in backends.available() if s.usable and s.name not in NOT_BY_DEFAULT]
    else:
        names = args.backends
        for name in names:
            reason = backends.get(name).unavailable_reason()
            if reason:
                raise a.UsageError(f"backend {name!r} cannot run here: {reason}")
    if args.devices != [1]:
        if "jax" not in names:
            raise a.UsageError("--devices applies to the jax backend; add jax to --backends")
        for count in args.devices:
            reason = backends.get("jax").sharded(count).unavailable_reason()
            if reason:
                raise a.UsageError(f"--devices {count}: {reason}")
    sizes = {p: args.sizes or DEFAULT_SIZES[p] for p in args.problems}
    if "sine" in sizes and min(sizes["sine"]) < 4:
        raise a.UsageError("--sizes: the sine fit (degree 3) needs at least 4 points")
    a.check_output_path("json", args.json, (".json",))
    a.check_plot_path(args.plot)
    return names, sizes


def run(args: Any) -> int:
    from rich.console import Console
    from rich.progress import Progress

    from . import machine, report
    from .files import write_json

    join_distributed(args)
    names, sizes = check(args)
    rows = contenders(names, tuple(dict.fromkeys(args.devices)))
    console = Console(stderr=True)
    tasks = [
        (p, s, c)
        for p in sizes
        for s in sizes[p]
        for c in rows
        if not (c.label == "tutorial" and tutorial_loop(make_problem(p, s)) is None)
    ]
    ceilings: dict[str, dict[str, Any]] = {}
    references: dict[tuple[str, int, int], np.ndarray] = {}
    records = []
    with Progress(console=console, transient=True) as progress, warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a diverging row shows as disagreeing
        for backend in map(backends.load, dict.fromkeys(c.backend.name for c in rows)):
            progress.console.log(f"measuring the streaming ceiling with {backend.name}")
            gbs = stream_gbytes_per_second(backend, args.dtype, CEILING_BYTES[backend.platform])
            best = ceilings.get(backend.platform, {}).get("gbytes_per_second", 0.0)
            if gbs > best:
                ceilings[backend.platform] = {"gbytes_per_second": gbs, "measured_by": backend.name}
        bar = progress.add_task("compare", total=len(tasks))
        for problem_name, size, contender in tasks:
            progress.update(bar, description=f"{contender.label} {problem_name} {size:,}")
            problem = make_problem(problem_name, size)
            records.append(measure_row(args, contender, problem, ceilings, references))
            progress.advance(bar)
    relate(records)
    if not is_main_process():
        return a.EXIT_OK
    title = f"descent-bench compare ({args.dtype}) on {machine.cpu_model()}"
    Console(width=None if sys.stdout.isatty() else 220).print(report.table(records, title))
    if args.json:
        described = machine.describe(backends.available())
        described["processes"] = max(process_count(c.backend) for c in rows)
        described["devices_per_row"] = sorted({r.devices for r in records})
        write_json(args.json, report.document(described, ceilings, records))
    if args.plot:
        report.plot(records, args.plot, title)
    disagreeing = [r for r in records if not r.agrees]
    if disagreeing:
        listed = ", ".join(f"{r.backend} {r.problem} {r.size}" for r in disagreeing)
        sys.stderr.write(f"descent-bench: disagrees with the float64 NumPy reference: {listed}\n")
        return a.EXIT_DISAGREE
    return a.EXIT_OK


def relate(records: list[Record]) -> None:
    """Each row's speedup over the tutorial row, and a split jax row's parallel efficiency
    against the one-device jax row, at the same problem and size."""
    rows = {(r.backend, r.problem, r.size): r for r in records}
    for r in records:
        tutorial = rows.get(("tutorial", r.problem, r.size))
        if tutorial:
            r.speedup_vs_tutorial = tutorial.seconds_per_iteration / r.seconds_per_iteration
        single = rows.get(("jax", r.problem, r.size))
        if r.devices > 1 and single:
            speedup = r.iterations_per_second / single.iterations_per_second
            r.parallel_efficiency = speedup / r.devices


def measure_row(args, contender, problem, ceilings, references) -> Record:
    lr, initial = learning_rate(problem), problem.initial_params(seed=SEED)
    iterations = args.iterations or default_iterations(problem)
    timing = measure(contender, problem, args.dtype, lr, initial, iterations, args.repeat)
    key = (problem.name, problem.size, timing.iterations)
    if key not in references:
        references[key] = reference_params(problem, timing.iterations)
    diff = max_rel_diff(timing.final_params, references[key])
    nbytes = problem.bytes_per_iteration(np.dtype(args.dtype).itemsize)
    gbs = nbytes / timing.seconds_per_iteration / 1e9
    ceiling = ceilings.get(contender.backend.platform, {}).get("gbytes_per_second")
    return Record(
        backend=contender.label,
        device=str(contender.backend.device),
        problem=problem.name,
        size=problem.size,
        dtype=args.dtype,
        iterations=timing.iterations,
        compile_seconds=timing.compile_seconds,
        seconds_per_iteration=timing.seconds_per_iteration,
        iterations_per_second=timing.iterations_per_second,
        bytes_per_iteration=nbytes,
        gbytes_per_second=gbs,
        bandwidth_fraction=gbs / ceiling if ceiling else None,
        speedup_vs_tutorial=None,
        max_rel_diff=diff,
        agrees=agrees(diff, args.dtype, timing.iterations, problem.coupled_params),
        baseline=contender.baseline,
        devices=contender.backend.n_devices,
        parallel_efficiency=None,
        spread_seconds_per_iteration=timing.spread,
        harness_overhead_fraction=timing.overhead_fraction,
    )
