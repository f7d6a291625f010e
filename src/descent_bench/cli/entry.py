"""The ``descent-bench`` console script: signals are handled from its first line, before the
command's modules (numpy, rich, ...) are imported, so an early Ctrl-C or SIGTERM ends it
with a message, not a traceback."""

from __future__ import annotations

import sys

from descent_bench.cli.signals import exit_code, install_signal_handlers


def run() -> int:
    install_signal_handlers()
    try:
        from descent_bench.cli.command import main
    except KeyboardInterrupt as exc:
        sys.stderr.write("descent-bench: interrupted; no output file was written\n")
        return exit_code(exc)
    return main()
