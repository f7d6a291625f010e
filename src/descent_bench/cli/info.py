"""``descent-bench info``: every backend, its version, devices, whether it can run, and on
which platform and why; warnings (an accelerator plugin that failed) go to stderr."""

from __future__ import annotations

import argparse
import json
import textwrap
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
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    statuses = backends.available()
    for s in statuses:
        for warning in s.warnings:
            a.notice(f"warning: {warning}")
    if args.json:
        print(
            json.dumps(
                {"version": __version__, "backends": [asdict(s) for s in statuses]}, indent=1
            )
        )
        return EXIT_OK
    from descent_bench.output.report import output_width

    width = output_width()
    rows = [
        (
            s.name,
            s.version or "-",
            ", ".join(s.devices) or "-",
            f"usable on {s.platform}" if s.usable else "unusable",
            str(s.platform_reason) if s.usable else str(s.reason),
        )
        for s in statuses
    ]
    header = ("backend", "version", "devices", "status")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)).rstrip())
        print(textwrap.fill(row[4], width, initial_indent="    ", subsequent_indent="    "))
    return EXIT_OK
