"""The ``descent-bench`` command: ``info``, ``fit``, ``compare``, ``show`` and ``diff``.

Exit codes (``arguments``): 0 success, 1 a row disagrees with the reference (or ``diff
--fail-slower`` found a slower row), 2 bad input or a backend that cannot run here, 3 the
descent diverged, 4 a result not written where asked, 5 a measuring process failed, 130
interrupted, 143 terminated.
"""

from __future__ import annotations

import os
import sys

from descent_bench.cli import arguments as a
from descent_bench.cli import compare, diff, fit, info
from descent_bench.cli.arguments import (
    EXIT_DIVERGED,
    EXIT_OK,
    EXIT_RUN_FAILED,
    EXIT_USAGE,
    RunFailed,
    UsageError,
)
from descent_bench.cli.options import value_flags
from descent_bench.cli.signals import exit_code, install_signal_handlers
from descent_bench.kernels import PROBLEMS, Diverged
from descent_bench.output import files

DESCRIPTION = (
    "One gradient-descent kernel on NumPy, JAX, numba, PyTorch and CuPy: which backend is "
    "fastest here, did a change make it slower, and do the backends agree? Start with "
    "'descent-bench compare'; 'descent-bench COMMAND --help' tells more."
)
EXIT_CODES = (
    "exit codes: 0 success; 1 a row disagrees with the reference (or diff --fail-slower found "
    "a slower row); 2 bad input, or a backend that cannot run here; 3 the descent diverged; "
    "4 a result not written where asked; 5 a measuring process failed; 130 interrupted; "
    "143 terminated"
)


def build_parser() -> a.Parser:
    parser = a.Parser(prog="descent-bench", description=DESCRIPTION, epilog=EXIT_CODES)
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="{info,fit,compare,show,diff}"
    )
    info.add_parser(commands)
    fit.add_parser(commands)
    compare.add_parser(commands)
    compare.add_show_parser(commands)
    diff.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    install_signal_handlers()
    files.forget_written()
    # Before jax starts: jax would otherwise take 75% of every visible GPU's memory at its
    # first use, leaving little to CuPy in the same run (and pinning memory for `info`).
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    # A terminal or pipe that cannot show a character (e.g. µ under PYTHONIOENCODING=ascii)
    # gets a replacement, not a crash after the work is done.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    given = list(sys.argv[1:] if argv is None else argv)
    argv = a.glue_negative_values(given, value_flags(PROBLEMS) | {"--lr"})
    parser = build_parser()
    try:
        a.refuse_bare_double_dash(argv)
        args = parser.parse_args(argv)
        code: int = args.run(args)
        return code
    except SystemExit as exc:
        return int(exc.code or 0)
    except UsageError as exc:
        sys.stderr.write(f"descent-bench: error: {exc}\n")
        return EXIT_USAGE
    except RunFailed as exc:
        sys.stderr.write(f"descent-bench: error: {exc}\n")
        return EXIT_RUN_FAILED
    except Diverged as exc:
        sys.stderr.write(f"descent-bench: {exc}\n")
        return EXIT_DIVERGED
    except KeyboardInterrupt as exc:
        written = files.written()
        done = (
            f"written before it: {', '.join(written)}" if written else "no output file was written"
        )
        sys.stderr.write(f"descent-bench: interrupted; {done}\n")
        return exit_code(exc)
    except BrokenPipeError:  # output piped into `head` and the like: end quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # nothing left to flush into the closed pipe
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
