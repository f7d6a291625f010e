"""``descent-bench info``: every backend, its version, devices, whether it can run, and on
which platform and why; warnings (an accelerator plugin that failed) go to stderr."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from descent_bench import __version__, backends
from descent_bench.cli import arguments as a
from descent_bench.cli.arguments import EXIT_OK


def add_parser(commands: a.Commands) -> None:
    p = commands.add_parser(
        "info",
        help="backends, versions, devices and whether usable",
        description="Every registered backend: whether it can run here (and if not, why), "
        "its library's version, its devices and where its arrays live.",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--backends",
        type=a.backend_list,
        help="comma-separated; only these (xp:MODULE: an array-API namespace; default: every "
        "registered backend)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    statuses = [backends.status(name) for name in args.backends or backends.names()]
    broken = {} if args.backends else backends.broken()
    for s in statuses:
        for warning in s.warnings:
            a.notice(f"warning: {warning}")
    if args.json:
        found = {"version": __version__, "backends": [asdict(s) for s in statuses]}
        print(json.dumps({**found, "broken_plugins": broken}, indent=1))
        return EXIT_OK
    from descent_bench.output.grid import Column, Grid
    from descent_bench.output.report import output_width, wrap

    width = output_width()
    rows = [
        [
            s.name,
            s.version or "-",
            ", ".join(s.devices) or "-",
            f"usable on {s.platform}" if s.usable else "unusable",
        ]
        for s in statuses
    ]
    columns = [Column(h, justify="left") for h in ("backend", "version", "devices", "status")]
    header, *lines = Grid(columns, rows).lines()
    print(header)
    for s, line in zip(statuses, lines, strict=True):
        print(line)
        reason = str(s.platform_reason) if s.usable else str(s.reason)
        print("\n".join(wrap(reason, width, first="    ", rest="    ")))
    for line in broken.values():
        print("\n".join(wrap(f"left out: {line}", width, rest="    ")))
    return EXIT_OK
