"""``descent-bench info``: every backend, its version, devices, whether it can run, and on
which platform and why; warnings (an accelerator plugin that failed) go to stderr."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from descent_bench import __version__, backends
from descent_bench.cli import arguments as a
from descent_bench.cli.arguments import EXIT_OK


def add_parser(commands: a.Commands) -> None:
    p = commands.add_parser("info", help="backends, versions, devices and whether usable")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    statuses = backends.available()
    for s in statuses:
        for warning in s.warnings:
            sys.stderr.write(f"descent-bench: warning: {warning}\n")
    if args.json:
        print(
            json.dumps(
                {"version": __version__, "backends": [asdict(s) for s in statuses]}, indent=1
            )
        )
        return EXIT_OK
    width = max(7, *(len(s.name) for s in statuses))
    for s in statuses:
        state = (
            f"usable on {s.platform}: {s.platform_reason}" if s.usable else f"unusable: {s.reason}"
        )
        print(f"{s.name:{width}} {s.version or '-':12} {', '.join(s.devices) or '-':30} {state}")
    return EXIT_OK
